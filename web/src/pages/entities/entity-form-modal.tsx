import { useState } from 'react';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import Textarea from '@cloudscape-design/components/textarea';
import { entityCreateSchema, entityUpdateSchema, type Entity } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { subtreeIds } from '../../entities/entity-tree';
import { useSelectedEntity } from '../../entities/selected-entity';
import { ModalForm } from '../../forms/modal-form';
import { useFormErrors } from '../../forms/use-form-errors';

const TOP_LEVEL = '__top';

/** Create an entity (optionally under a parent), or rename, describe or move one. */
export function EntityFormModal({ entity, parentId = null, onClose }: { entity?: Entity; parentId?: string | null; onClose: () => void }) {
  const { rows, entities } = useSelectedEntity();
  const [name, setName] = useState(entity?.name ?? '');
  const [description, setDescription] = useState(entity?.description ?? '');
  const [parent, setParent] = useState<string | null>(entity ? entity.parentId : parentId);
  const body = { name, description, parentId: parent };
  const save = useApiMutation({
    mutationFn: () => (entity ? api.entities.update(entity.id, body) : api.entities.create(body)),
    invalidates: ['entities'],
    success: (e) => (entity ? `Entity ${e.name} saved.` : `Entity ${e.name} created, with its boot services and default startup menu.`),
  });
  const form = useFormErrors(entity ? entityUpdateSchema : entityCreateSchema, body, save.error);
  const excluded = entity ? subtreeIds(entities.data ?? [], entity.id) : new Set<string>();
  const options = [
    { value: TOP_LEVEL, label: 'None (top-level entity)' },
    ...rows.filter((r) => !excluded.has(r.entity.id)).map((r) => ({ value: r.entity.id, label: r.path })),
  ];

  return (
    <ModalForm
      header={entity ? `Edit entity ${entity.name}` : 'Create entity'}
      submitText={entity ? 'Save' : 'Create'}
      busy={save.isPending}
      error={form.unplaced}
      errorHeader="The entity could not be saved"
      onSubmit={() => form.check() && save.mutate(undefined, { onSuccess: onClose })}
      onClose={onClose}
    >
      <FormField label="Name" description="A site, department or location." errorText={form.errorOf('name')}>
        <Input value={name} onChange={({ detail }) => setName(detail.value)} autoFocus placeholder="Lyon site" />
      </FormField>
      <FormField label={<span>Description <i>- optional</i></span>} errorText={form.errorOf('description')}>
        <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} rows={2} />
      </FormField>
      <FormField label="Parent entity" description="Entities nest: choose the entity this one belongs to." errorText={form.errorOf('parentId')}>
        <Select
          selectedOption={options.find((o) => o.value === (parent ?? TOP_LEVEL)) ?? null}
          options={options}
          onChange={({ detail }) => setParent(detail.selectedOption.value === TOP_LEVEL ? null : (detail.selectedOption.value ?? null))}
          filteringType="auto"
        />
      </FormField>
    </ModalForm>
  );
}

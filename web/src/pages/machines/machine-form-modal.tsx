import { useState } from 'react';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import { machineCreateSchema, machineUpdateSchema, type Machine } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useSelectedEntity } from '../../entities/selected-entity';
import { ModalForm } from '../../forms/modal-form';
import { useFormErrors } from '../../forms/use-form-errors';

/** Register a machine (MAC, hostname), or edit one (hostname, entity, SMBIOS UUID). */
export function MachineFormModal({ entityId, machine, onClose }: { entityId: string; machine?: Machine; onClose: () => void }) {
  const { rows } = useSelectedEntity();
  const [mac, setMac] = useState(machine?.mac ?? '');
  const [hostname, setHostname] = useState(machine?.hostname ?? '');
  const [uuid, setUuid] = useState(machine?.uuid ?? '');
  const [targetEntity, setTargetEntity] = useState(machine?.entityId ?? entityId);

  const body = machine
    ? { hostname, uuid: uuid.trim() || null, ...(targetEntity !== machine.entityId ? { entityId: targetEntity } : {}) }
    : { entityId, mac, hostname, uuid: uuid.trim() || null };
  const save = useApiMutation({
    mutationFn: () => (machine ? api.machines.update(machine.id, body) : api.machines.create(body as Parameters<typeof api.machines.create>[0])),
    invalidates: ['machines', 'imaging-server-status'],
    success: (m) => (machine ? `Machine ${m.hostname} saved.` : `Machine ${m.hostname} registered.`),
  });
  const form = useFormErrors(machine ? machineUpdateSchema : machineCreateSchema, body, save.error);
  const entityOptions = rows.map((r) => ({ value: r.entity.id, label: r.path }));

  return (
    <ModalForm
      header={machine ? `Edit machine ${machine.hostname}` : 'Register machine'}
      submitText={machine ? 'Save' : 'Register'}
      busy={save.isPending}
      error={form.unplaced}
      errorHeader={machine ? 'The machine could not be saved' : 'The machine could not be registered'}
      onSubmit={() => form.check() && save.mutate(undefined, { onSuccess: onClose })}
      onClose={onClose}
    >
      <FormField label="MAC address" description="The address the machine boots from the network with." errorText={form.errorOf('mac')}>
        <Input
          value={mac}
          onChange={({ detail }) => setMac(detail.value)}
          placeholder="52:54:00:12:34:56"
          disabled={Boolean(machine)}
          autoFocus={!machine}
          disableBrowserAutocorrect
        />
      </FormField>
      <FormField
        label="Hostname"
        description="Written into Windows by CopySysprep: at most 15 letters, digits and inner hyphens."
        errorText={form.errorOf('hostname')}
      >
        <Input value={hostname} onChange={({ detail }) => setHostname(detail.value)} autoFocus={Boolean(machine)} disableBrowserAutocorrect />
      </FormField>
      <FormField label={<span>SMBIOS UUID <i>- optional</i></span>} errorText={form.errorOf('uuid')}>
        <Input value={uuid} onChange={({ detail }) => setUuid(detail.value)} placeholder="4c4c4544-0031-3410-8052-b3c04f4e4432" disableBrowserAutocorrect />
      </FormField>
      {machine && (
        <FormField label="Entity" description="Move the machine to another entity." errorText={form.errorOf('entityId')}>
          <Select
            selectedOption={entityOptions.find((o) => o.value === targetEntity) ?? null}
            options={entityOptions}
            onChange={({ detail }) => setTargetEntity(detail.selectedOption.value ?? targetEntity)}
            filteringType="auto"
          />
        </FormField>
      )}
    </ModalForm>
  );
}

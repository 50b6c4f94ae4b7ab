import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import Multiselect from '@cloudscape-design/components/multiselect';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { masterUpdateSchema, type Master } from '@marrow/shared';
import { ApiError, messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { usePostImagingScripts } from '../../api/queries';
import { ModalFooter } from '../../components/modal-footer';
import { fieldErrors } from '../../forms/field-errors';

/** Edit a master's description and the post-imaging scripts associated with it. */
export function EditMasterModal({ master, onClose }: { master: Master; onClose: () => void }) {
  const scripts = usePostImagingScripts();
  const [description, setDescription] = useState(master.description);
  const [scriptIds, setScriptIds] = useState<string[]>(master.postImagingScriptIds);
  const [submitted, setSubmitted] = useState(false);
  const save = useApiMutation({
    mutationFn: () => api.masters.update(master.id, { description, postImagingScriptIds: scriptIds }),
    invalidates: ['masters'],
    success: (m) => `Master ${m.label} updated.`,
  });

  const local = fieldErrors(masterUpdateSchema, { description, postImagingScriptIds: scriptIds });
  const server = save.error instanceof ApiError ? save.error : null;
  const errors = { description: (submitted && local.description) || server?.problemOf('body.description') };
  const options = (scripts.data ?? []).map((s) => ({ value: s.id, label: s.name, description: s.description || undefined }));

  const submit = () => {
    setSubmitted(true);
    if (Object.keys(local).length) return;
    save.mutate(undefined, { onSuccess: onClose });
  };

  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Edit master ${master.label}`}
      footer={<ModalFooter submitText="Save" onSubmit={submit} onCancel={onClose} busy={save.isPending} />}
    >
      <Form>
        <SpaceBetween size="m">
          <FormField label="Description" description="What the image holds: operating system, version, software." errorText={errors.description}>
            <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} rows={3} />
          </FormField>
          <FormField
            label="Post-imaging scripts"
            description="Run after this master is deployed, in this order. A deployment starts with these and can change them."
          >
            <Multiselect
              selectedOptions={scriptIds.map((id) => options.find((o) => o.value === id) ?? { value: id, label: id })}
              options={options}
              onChange={({ detail }) => setScriptIds(detail.selectedOptions.map((o) => o.value!))}
              placeholder="Choose scripts"
              statusType={scripts.isPending ? 'loading' : scripts.isError ? 'error' : 'finished'}
              loadingText="Loading scripts"
              empty="No post-imaging scripts yet"
              filteringType="auto"
            />
          </FormField>
          {save.isError && !errors.description && (
            <Alert type="error" header="The master could not be saved">
              {messageOf(save.error)}
            </Alert>
          )}
        </SpaceBetween>
      </Form>
    </Modal>
  );
}

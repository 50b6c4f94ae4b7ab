import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import { imagingServerCreateSchema, imagingServerUpdateSchema, type Entity, type ImagingServer } from '@marrow/shared';
import { api, type EnrolmentCode as Code } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { ModalForm } from '../../forms/modal-form';
import { useFormErrors } from '../../forms/use-form-errors';
import { EnrolmentCode } from './enrolment-code';

/** Register the imaging server (edge appliance) of an entity, or rename it; registering shows its enrolment code. */
export function ImagingServerModal({ entity, server, onClose }: { entity: Entity; server?: ImagingServer; onClose: () => void }) {
  const [name, setName] = useState(server?.name ?? '');
  const [issued, setIssued] = useState<{ name: string; code: Code } | null>(null);
  const body = server ? { name } : { entityId: entity.id, name };
  const save = useApiMutation({
    mutationFn: async () => {
      if (server) return { server: await api.imagingServers.update(server.id, { name }), code: null };
      const { enrolmentCode, enrolmentCodeExpiresAt, ...created } = await api.imagingServers.create({ entityId: entity.id, name });
      return { server: created as ImagingServer, code: enrolmentCode ? { enrolmentCode, enrolmentCodeExpiresAt } : null };
    },
    invalidates: ['imaging-servers', 'entities', 'imaging-server-status'],
    success: ({ server: s }) => (server ? `Imaging server ${s.name} renamed.` : `Imaging server ${s.name} registered for ${entity.name}.`),
  });
  const form = useFormErrors(server ? imagingServerUpdateSchema : imagingServerCreateSchema, body, save.error);

  if (issued) return <EnrolmentCodeModal serverName={issued.name} code={issued.code} onClose={onClose} />;
  return (
    <ModalForm
      header={server ? `Rename imaging server ${server.name}` : `Register the imaging server of ${entity.name}`}
      submitText={server ? 'Save' : 'Register'}
      busy={save.isPending}
      error={form.unplaced}
      errorHeader="The imaging server could not be saved"
      onSubmit={() =>
        form.check() &&
        save.mutate(undefined, {
          onSuccess: ({ server: s, code }) => (code ? setIssued({ name: s.name, code }) : onClose()),
        })
      }
      onClose={onClose}
    >
      {!server && (
        <Box>
          The imaging server is the appliance that answers network boots on the site of <strong>{entity.name}</strong>. Once registered,
          enrol the appliance with the one-time code shown next; its status shows Offline until it first reports.
        </Box>
      )}
      <FormField label="Name" errorText={form.errorOf('name')}>
        <Input value={name} onChange={({ detail }) => setName(detail.value)} autoFocus placeholder="lyon-edge-1" />
      </FormField>
    </ModalForm>
  );
}

export function EnrolmentCodeModal({ serverName, code, onClose }: { serverName: string; code: Code; onClose: () => void }) {
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Enrolment code of ${serverName}`}
      closeAriaLabel="Close"
      size="large"
      footer={
        <Box float="right">
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        </Box>
      }
    >
      <EnrolmentCode serverName={serverName} code={code} />
    </Modal>
  );
}

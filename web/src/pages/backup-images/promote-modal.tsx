import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import type { BackupImage } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { sentence } from '../../forms/field-errors';
import { formatGB } from '../../format/format';

/** "Promote to master": a ready backup image becomes a master of the same entity. */
export function PromoteModal({ backup, machineName, onClose }: { backup: BackupImage; machineName: string; onClose: () => void }) {
  const navigate = useNavigate();
  const [description, setDescription] = useState(backup.description);
  const [inMenu, setInMenu] = useState(false);
  const promote = useApiMutation({
    mutationFn: () => api.backupImages.promote(backup.id, { description: description.trim(), inDefaultStartupMenu: inMenu }),
    invalidates: ['masters', 'imaging-server-status', 'startup-menu'],
    success: (m) => `Master ${m.label} created from the backup image of ${machineName}.`,
  });
  const tooLong = description.length > 500 ? sentence('must be at most 500 characters') : undefined;

  return (
    <Modal
      visible
      onDismiss={onClose}
      header="Promote to master"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button
              variant="primary"
              loading={promote.isPending}
              disabled={Boolean(tooLong)}
              onClick={() =>
                promote.mutate(undefined, {
                  onSuccess: () => {
                    onClose();
                    navigate(`/masters?entity=${backup.entityId}`);
                  },
                })
              }
            >
              Promote
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          The backup image of <strong>{machineName}</strong> ({formatGB(backup.compressedSizeBytes)} compressed) becomes a master that
          can be deployed to every machine of the entity. The backup image stays.
        </Box>
        <FormField label="Description" description="What the image holds: operating system, version, software." errorText={tooLong}>
          <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} rows={3} />
        </FormField>
        <Checkbox checked={inMenu} onChange={({ detail }) => setInMenu(detail.checked)} description="Offer it in the network boot menu of the entity.">
          Add to the default startup menu
        </Checkbox>
        {promote.isError && (
          <Alert type="error" header="The backup image could not be promoted">
            {messageOf(promote.error)}
          </Alert>
        )}
      </SpaceBetween>
    </Modal>
  );
}

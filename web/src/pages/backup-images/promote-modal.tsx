import { useState } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import type { BackupImage } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useMasters } from '../../api/queries';
import { ModalFooter } from '../../components/modal-footer';
import { sentence } from '../../forms/field-errors';
import { formatGB } from '../../format/format';

/**
 * "Promote to master": a ready backup image becomes a master of the same entity, or the next
 * version of one of its masters (the refreshed golden image keeps its label and menu entry).
 */
export function PromoteModal({ backup, machineName, onClose }: { backup: BackupImage; machineName: string; onClose: () => void }) {
  const navigate = useNavigate();
  const [description, setDescription] = useState(backup.description);
  const [inMenu, setInMenu] = useState(false);
  const [as, setAs] = useState<'new' | 'version'>('new');
  const [masterId, setMasterId] = useState<string | null>(null);
  const masters = useMasters(backup.entityId);
  const options = (masters.data ?? []).map((m) => ({ value: m.id, label: m.label, description: m.description || undefined, tags: [`version ${m.versions.at(-1)?.number ?? 0}`] }));
  const promote = useApiMutation({
    mutationFn: () =>
      as === 'version' && masterId
        ? api.masters.addVersion(masterId, backup.id)
        : api.backupImages.promote(backup.id, { description: description.trim(), inDefaultStartupMenu: inMenu }),
    invalidates: ['masters', 'imaging-server-status', 'startup-menu'],
    success: (m) =>
      as === 'version'
        ? `Master ${m.label} now has version ${m.versions.at(-1)?.number ?? ''} from the backup image of ${machineName}.`
        : `Master ${m.label} created from the backup image of ${machineName}.`,
  });
  const tooLong = description.length > 500 ? sentence('must be at most 500 characters') : undefined;

  return (
    <Modal
      visible
      onDismiss={onClose}
      header="Promote to master"
      footer={
        <ModalFooter
          submitText="Promote"
          onSubmit={() =>
            promote.mutate(undefined, {
              onSuccess: () => {
                onClose();
                navigate(`/masters?entity=${backup.entityId}`);
              },
            })
          }
          onCancel={onClose}
          busy={promote.isPending}
          disabled={Boolean(tooLong) || (as === 'version' && !masterId)}
        />
      }
    >
      <SpaceBetween size="m">
        <Box>
          The backup image of <strong>{machineName}</strong> ({formatGB(backup.compressedSizeBytes)} compressed) becomes a master that
          can be deployed to every machine of the entity. The backup image stays.
        </Box>
        <RadioGroup
          value={as}
          onChange={({ detail }) => setAs(detail.value as 'new' | 'version')}
          items={[
            { value: 'new', label: 'A new master' },
            {
              value: 'version',
              label: 'The next version of a master',
              description: 'Same label, menu entry and scripts; sites download only what changed. Refused while a deployment of it is unfinished.',
              disabled: options.length === 0,
            },
          ]}
        />
        {as === 'new' ? (
          <>
            <FormField label="Description" description="What the image holds: operating system, version, software." errorText={tooLong}>
              <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} rows={3} />
            </FormField>
            <Checkbox checked={inMenu} onChange={({ detail }) => setInMenu(detail.checked)} description="Offer it in the network boot menu of the entity.">
              Add to the default startup menu
            </Checkbox>
          </>
        ) : (
          <FormField label="Master">
            <Select
              selectedOption={options.find((o) => o.value === masterId) ?? null}
              onChange={({ detail }) => setMasterId(detail.selectedOption.value ?? null)}
              options={options}
              placeholder="Choose a master"
              statusType={masters.isPending ? 'loading' : 'finished'}
            />
          </FormField>
        )}
        {promote.isError && (
          <Alert type="error" header="The backup image could not be promoted">
            {messageOf(promote.error)}
          </Alert>
        )}
      </SpaceBetween>
    </Modal>
  );
}

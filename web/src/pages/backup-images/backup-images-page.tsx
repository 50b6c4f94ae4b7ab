import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import HelpPanel from '@cloudscape-design/components/help-panel';
import { RouterLink } from '../../components/router-link';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { TableProps } from '@cloudscape-design/components/table';
import type { BackupImage, Entity, Machine } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { useBackupImages, useMachines } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { useDeleteConfirmation } from '../../components/delete-confirmation';
import { EntityPage } from '../../components/entity-page';
import { rowActionsColumn } from '../../components/row-actions';
import { formatDateTime, formatGB } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { PromoteModal } from './promote-modal';

interface Row extends BackupImage {
  machine: Machine | undefined;
}

const states: Record<BackupImage['state'], { type: StatusIndicatorProps.Type; text: string }> = {
  capturing: { type: 'in-progress', text: 'Capturing' },
  ready: { type: 'success', text: 'Ready' },
  failed: { type: 'error', text: 'Failed' },
};

const filterFields = (b: Row) => [b.machine?.hostname, b.machine?.mac, b.description, b.state];
const sortBy = {
  machine: (b: Row) => b.machine?.hostname ?? b.machineId,
  description: (b: Row) => b.description,
  state: (b: Row) => b.state,
  size: (b: Row) => b.sizeBytes,
  compressed: (b: Row) => b.compressedSizeBytes,
  createdAt: (b: Row) => b.createdAt,
};

/** Captures of machines' disks: restore one, or promote it to a master. */
export default function BackupImagesPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Backup images</h2>}>
      <p>
        A backup image is a capture of one machine&apos;s disk, made when the machine boots the <em>Back up this machine</em> item
        of the network boot menu, or when someone chose <strong>Back up</strong> for it on the Machines page.
      </p>
      <p>
        To create a master, back up a reference machine prepared as described in <RouterLink href="/how-imaging-works">How imaging works</RouterLink>,
        then <strong>promote</strong> its backup image to a master.
      </p>
    </HelpPanel>
  ));
  return (
    <EntityPage title="Backup images" description="Captures of the disks of the entity's machines.">
      {(entity) => <BackupImagesTable entity={entity} />}
    </EntityPage>
  );
}

function BackupImagesTable({ entity }: { entity: Entity }) {
  const backups = useBackupImages(entity.id);
  const machines = useMachines(entity.id);
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  const [promoting, setPromoting] = useState<Row | null>(null);
  const byId = new Map((machines.data ?? []).map((m) => [m.id, m]));
  const rows: Row[] | undefined = backups.data?.map((b) => ({ ...b, machine: byId.get(b.machineId) }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'createdAt', descending: true } });
  const name = (b: Row) => b.machine?.hostname ?? b.machineId;
  const deletion = useDeleteConfirmation({
    mutationFn: (b: Row) => api.backupImages.remove(b.id),
    invalidates: ['backup-images', 'imaging-server-status'],
    success: (_r, b) => `Backup image of ${b.machine?.hostname ?? b.machineId} deleted.`,
    header: () => 'Delete backup image?',
    refusedHeader: () => 'The backup image cannot be deleted',
    message: (b) => (
      <>
        The backup image of <strong>{name(b)}</strong> taken on {formatDateTime(b.createdAt)} will be deleted. Masters
        promoted from it keep their own copy.
      </>
    ),
  });

  const columns: TableProps.ColumnDefinition<Row>[] = [
    {
      id: 'machine',
      header: 'Machine',
      cell: (b) => (
        <>
          <Box variant="strong">{name(b)}</Box>
          {b.machine && (
            <Box variant="small" color="text-body-secondary">
              {b.machine.mac}
            </Box>
          )}
        </>
      ),
      sortingField: 'machine',
      isRowHeader: true,
    },
    { id: 'description', header: 'Description', cell: (b) => b.description || '—', sortingField: 'description' },
    { id: 'state', header: 'State', cell: (b) => <StatusIndicator type={states[b.state].type}>{states[b.state].text}</StatusIndicator>, sortingField: 'state' },
    { id: 'size', header: 'Disk size', cell: (b) => formatGB(b.sizeBytes), sortingField: 'size' },
    { id: 'compressed', header: 'Compressed size', cell: (b) => formatGB(b.compressedSizeBytes), sortingField: 'compressed' },
    { id: 'createdAt', header: 'Created', cell: (b) => formatDateTime(b.createdAt), sortingField: 'createdAt' },
    ...rowActionsColumn(canEdit, (b: Row) => ({
      ariaLabel: `Actions for the backup image of ${name(b)}`,
      items: [
        { id: 'promote', text: 'Promote to master', disabled: b.state !== 'ready', disabledReason: 'Only a ready backup image can become a master.' },
        { id: 'delete', text: 'Delete' },
      ],
      onChoose: (id) => (id === 'promote' ? setPromoting(b) : deletion.ask(b)),
    })),
  ];

  return (
    <>
      <CollectionTable
        collection={collection}
        query={backups}
        what="backup images"
        columnDefinitions={columns}
        wrapLines
        trackBy="id"
        variant="container"
        title={`Backup images of ${entity.name}`}
        empty={{
          title: 'No backup images',
          subtitle: 'Boot a registered machine from the network and choose “Back up this machine”.',
          action: <Button onClick={() => navigate('/how-imaging-works')}>How imaging works</Button>,
        }}
        filteringPlaceholder="Find backup images"
      />
      {promoting && <PromoteModal backup={promoting} machineName={name(promoting)} onClose={() => setPromoting(null)} />}
      {deletion.modal}
    </>
  );
}

import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Header from '@cloudscape-design/components/header';
import HelpPanel from '@cloudscape-design/components/help-panel';
import { RouterLink } from '../../components/router-link';
import Pagination from '@cloudscape-design/components/pagination';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { BackupImage, Entity, Machine } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useBackupImages, useMachines } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { ConfirmModal } from '../../components/confirm-modal';
import { EntityPage } from '../../components/entity-page';
import { EmptyState, tableEmpty, tableError } from '../../components/page-states';
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
  const [deleting, setDeleting] = useState<Row | null>(null);
  const byId = new Map((machines.data ?? []).map((m) => [m.id, m]));
  const rows: Row[] | undefined = backups.data?.map((b) => ({ ...b, machine: byId.get(b.machineId) }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'createdAt', descending: true } });
  const remove = useApiMutation({
    mutationFn: (b: Row) => api.backupImages.remove(b.id),
    invalidates: ['backup-images', 'imaging-server-status'],
    success: (_r, b) => `Backup image of ${b.machine?.hostname ?? b.machineId} deleted.`,
  });

  const name = (b: Row) => b.machine?.hostname ?? b.machineId;
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
    ...(canEdit
      ? [
          {
            id: 'actions',
            header: 'Actions',
            cell: (b: Row) => (
              <ButtonDropdown
                variant="inline-icon"
                ariaLabel={`Actions for the backup image of ${name(b)}`}
                expandToViewport
                items={[
                  { id: 'promote', text: 'Promote to master', disabled: b.state !== 'ready', disabledReason: 'Only a ready backup image can become a master.' },
                  { id: 'delete', text: 'Delete' },
                ]}
                onItemClick={({ detail }) => (detail.id === 'promote' ? setPromoting(b) : setDeleting(b))}
              />
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Table
        {...collection.tableProps}
        columnDefinitions={columns}
        wrapLines
        trackBy="id"
        variant="container"
        stickyHeader
        loading={backups.isPending}
        loadingText="Loading backup images"
        empty={
          backups.isError
            ? tableError(backups.error, () => backups.refetch(), 'backup images')
            : tableEmpty(
                collection,
                <EmptyState
                  title="No backup images"
                  subtitle="Boot a registered machine from the network and choose “Back up this machine”."
                  action={<Button onClick={() => navigate('/how-imaging-works')}>How imaging works</Button>}
                />,
              )
        }
        header={
          <Header
            variant="h2"
            counter={backups.data ? `(${backups.data.length})` : undefined}
            actions={<Button iconName="refresh" ariaLabel="Refresh backup images" loading={backups.isFetching} onClick={() => backups.refetch()} />}
          >
            {`Backup images of ${entity.name}`}
          </Header>
        }
        filter={<TextFilter {...collection.filterProps} filteringPlaceholder="Find backup images" filteringAriaLabel="Filter backup images" />}
        pagination={<Pagination {...collection.paginationProps} />}
      />
      {promoting && <PromoteModal backup={promoting} machineName={name(promoting)} onClose={() => setPromoting(null)} />}
      {deleting && (
        <ConfirmModal
          header="Delete backup image?"
          confirmText="Delete"
          refusedHeader="The backup image cannot be deleted"
          onConfirm={() => remove.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        >
          The backup image of <strong>{name(deleting)}</strong> taken on {formatDateTime(deleting.createdAt)} will be deleted. Masters
          promoted from it keep their own copy.
        </ConfirmModal>
      )}
    </>
  );
}

import { useEffect, useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import HelpPanel from '@cloudscape-design/components/help-panel';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { TableProps } from '@cloudscape-design/components/table';
import { isTerminalTaskState, type BackupRequest, type Entity, type Machine } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useBackupImages, useBackupRequests, useMachines } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { ConfirmModal } from '../../components/confirm-modal';
import { EntityPage } from '../../components/entity-page';
import { rowActionsColumn } from '../../components/row-actions';
import { formatDateTime, formatRelative } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { TaskState } from '../deployments/deployment-states';
import { MachineFormModal } from './machine-form-modal';

interface Row extends Machine {
  backups: number;
  /** The machine's latest backup request, if any. */
  backupRequest: BackupRequest | undefined;
}

const isActive = (r: BackupRequest | undefined): r is BackupRequest => Boolean(r && !isTerminalTaskState(r.state));

/** The state of a machine's latest backup request, with its progress or its reason for failing. */
function BackupRequestCell({ request }: { request: BackupRequest | undefined }) {
  if (!request) return <>—</>;
  const progress = request.state === 'imaging' && request.progress && request.progress.bytesTotal > 0
    ? ` ${Math.floor((100 * request.progress.bytesDone) / request.progress.bytesTotal)}%`
    : '';
  return (
    <span title={`Asked ${formatDateTime(request.createdAt)} by ${request.createdBy}`}>
      <TaskState state={request.state} />
      {progress}
      {request.state === 'failed' && request.error ? <Box variant="small" color="text-status-error">{request.error.message}</Box> : null}
    </span>
  );
}

const filterFields = (m: Row) => [m.hostname, m.mac, m.inventory.manufacturer, m.inventory.model, m.uuid];
const sortBy = {
  hostname: (m: Row) => m.hostname,
  mac: (m: Row) => m.mac,
  lastSeen: (m: Row) => m.lastSeenAt,
  backups: (m: Row) => m.backups,
  model: (m: Row) => [m.inventory.manufacturer, m.inventory.model].filter(Boolean).join(' ') || null,
  createdAt: (m: Row) => m.createdAt,
  backupRequest: (m: Row) => m.backupRequest?.state ?? null,
};

/** Machines (clients) registered in an entity, known by their MAC address. */
export default function MachinesPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Machines</h2>}>
      <p>
        A machine is known by the MAC address it boots from the network with. Register it here, or boot it from the network and
        choose <em>Register this machine</em>.
      </p>
      <p>
        <strong>Back up</strong> captures a machine&apos;s disk without anyone at the machine: its next boot from the network goes
        straight to the imaging environment (wake it with Wake-on-LAN, or restart it), and the capture becomes a backup image.
      </p>
      <p>
        The hostname is written into Windows by <code>CopySysprep</code>: at most 15 letters, digits and inner hyphens.
      </p>
    </HelpPanel>
  ));
  return (
    <EntityPage title="Machines" description="Computers registered in the entity, by MAC address and hostname.">
      {(entity) => <MachinesTable entity={entity} />}
    </EntityPage>
  );
}

type Dialog =
  | { kind: 'register' }
  | { kind: 'edit'; machine: Machine }
  | { kind: 'remove'; machine: Machine }
  | { kind: 'backup'; machine: Machine }
  | { kind: 'cancel-backup'; machine: Machine; request: BackupRequest }
  | null;

function MachinesTable({ entity }: { entity: Entity }) {
  const machines = useMachines(entity.id);
  const backups = useBackupImages(entity.id);
  const requests = useBackupRequests(entity.id);
  const canEdit = useCanEdit();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [wakeOnLan, setWakeOnLan] = useState(true);
  const counts = new Map<string, number>();
  for (const b of backups.data ?? []) if (b.state === 'ready') counts.set(b.machineId, (counts.get(b.machineId) ?? 0) + 1);
  const latest = new Map<string, BackupRequest>();
  for (const r of requests.data ?? []) if ((latest.get(r.machineId)?.createdAt ?? '') <= r.createdAt) latest.set(r.machineId, r);
  const rows = machines.data?.map((m) => ({ ...m, backups: counts.get(m.id) ?? 0, backupRequest: latest.get(m.id) }));
  // A request that ends done brought a new backup image: count it.
  const doneRequests = requests.data?.filter((r) => r.state === 'done').length ?? 0;
  const refetchBackups = backups.refetch;
  useEffect(() => {
    if (doneRequests > 0) void refetchBackups();
  }, [doneRequests, refetchBackups]);
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'hostname' } });
  const remove = useApiMutation({
    mutationFn: (m: Machine) => api.machines.remove(m.id),
    invalidates: ['machines', 'imaging-server-status'],
    success: (_r, m) => `Machine ${m.hostname} removed.`,
  });
  const backUp = useApiMutation({
    mutationFn: (v: { machine: Machine; wakeOnLan: boolean }) => api.backupRequests.create({ machineId: v.machine.id, wakeOnLan: v.wakeOnLan }),
    invalidates: ['backup-requests'],
    success: (_r, v) => `Backup of ${v.machine.hostname} requested: its next network boot captures its disk.`,
  });
  const cancelBackup = useApiMutation({
    mutationFn: (r: BackupRequest) => api.backupRequests.cancel(r.id),
    invalidates: ['backup-requests'],
    success: () => 'Backup request cancelled.',
  });

  const columns: TableProps.ColumnDefinition<Row>[] = [
    { id: 'hostname', header: 'Hostname', cell: (m) => m.hostname, sortingField: 'hostname', isRowHeader: true },
    { id: 'mac', header: 'MAC address', cell: (m) => <Box variant="code">{m.mac}</Box>, sortingField: 'mac' },
    {
      id: 'lastSeen',
      header: 'Last seen',
      cell: (m) => <span title={m.lastSeenAt ? formatDateTime(m.lastSeenAt) : undefined}>{formatRelative(m.lastSeenAt)}</span>,
      sortingField: 'lastSeen',
    },
    { id: 'backups', header: 'Backup images', cell: (m) => (backups.isPending ? '…' : m.backups), sortingField: 'backups' },
    { id: 'backupRequest', header: 'Backup request', cell: (m) => <BackupRequestCell request={m.backupRequest} />, sortingField: 'backupRequest' },
    { id: 'model', header: 'Model', cell: (m) => [m.inventory.manufacturer, m.inventory.model].filter(Boolean).join(' ') || '—', sortingField: 'model' },
    { id: 'createdAt', header: 'Registered', cell: (m) => formatDateTime(m.createdAt), sortingField: 'createdAt' },
    ...rowActionsColumn(canEdit, (m: Row) => ({
      ariaLabel: `Actions for machine ${m.hostname}`,
      items: [
        { id: 'edit', text: 'Edit' },
        isActive(m.backupRequest) ? { id: 'cancel-backup', text: 'Cancel backup' } : { id: 'backup', text: 'Back up' },
        { id: 'remove', text: 'Remove' },
      ],
      onChoose: (id) => {
        if (id === 'cancel-backup' && isActive(m.backupRequest)) setDialog({ kind: 'cancel-backup', machine: m, request: m.backupRequest });
        else if (id === 'backup') setDialog({ kind: 'backup', machine: m });
        else setDialog({ kind: id === 'edit' ? 'edit' : 'remove', machine: m });
      },
    })),
  ];

  const register = canEdit ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'register' })}>
      Register machine
    </Button>
  ) : undefined;

  return (
    <>
      <CollectionTable
        collection={collection}
        query={machines}
        what="machines"
        columnDefinitions={columns}
        wrapLines
        trackBy="id"
        variant="container"
        title={`Machines of ${entity.name}`}
        onRefresh={() => void Promise.all([machines.refetch(), requests.refetch(), backups.refetch()])}
        actions={register}
        empty={{ title: 'No machines', subtitle: 'Register machines by MAC address, or boot them from the network and register them there.', action: register }}
        filteringPlaceholder="Find machines by hostname, MAC or model"
      />
      {dialog?.kind === 'register' && <MachineFormModal entityId={entity.id} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <MachineFormModal entityId={entity.id} machine={dialog.machine} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'backup' && (
        <ConfirmModal
          header={`Back up machine ${dialog.machine.hostname}?`}
          confirmText="Back up"
          refusedHeader={`Machine ${dialog.machine.hostname} cannot be backed up now`}
          onConfirm={() => backUp.mutateAsync({ machine: dialog.machine, wakeOnLan })}
          onClose={() => setDialog(null)}
        >
          <SpaceBetween size="s">
            <span>
              The next time <strong>{dialog.machine.hostname}</strong> ({dialog.machine.mac}) boots from the network, it goes straight to
              the imaging environment, captures its disk as a backup image and powers off. No menu is shown.
            </span>
            <Checkbox checked={wakeOnLan} onChange={({ detail }) => setWakeOnLan(detail.checked)}>
              Wake the machine now (Wake-on-LAN)
            </Checkbox>
          </SpaceBetween>
        </ConfirmModal>
      )}
      {dialog?.kind === 'cancel-backup' && (
        <ConfirmModal
          header={`Cancel the backup of ${dialog.machine.hostname}?`}
          confirmText="Cancel backup"
          refusedHeader="The backup request cannot be cancelled"
          onConfirm={() => cancelBackup.mutateAsync(dialog.request)}
          onClose={() => setDialog(null)}
        >
          The next network boot of <strong>{dialog.machine.hostname}</strong> shows its usual menu again. A capture already running
          is not stopped, but its result no longer counts for this request.
        </ConfirmModal>
      )}
      {dialog?.kind === 'remove' && (
        <ConfirmModal
          header={`Remove machine ${dialog.machine.hostname}?`}
          confirmText="Remove"
          refusedHeader={`Machine ${dialog.machine.hostname} cannot be removed`}
          onConfirm={() => remove.mutateAsync(dialog.machine)}
          onClose={() => setDialog(null)}
        >
          Machine <strong>{dialog.machine.hostname}</strong> ({dialog.machine.mac}) will no longer be known to Marrow: booting from
          the network, it will be offered to register again.
        </ConfirmModal>
      )}
    </>
  );
}

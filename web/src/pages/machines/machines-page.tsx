import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Header from '@cloudscape-design/components/header';
import HelpPanel from '@cloudscape-design/components/help-panel';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { Entity, Machine } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useBackupImages, useMachines } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { ConfirmModal } from '../../components/confirm-modal';
import { EntityPage } from '../../components/entity-page';
import { EmptyState, tableEmpty, tableError } from '../../components/page-states';
import { formatDateTime, formatRelative } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { MachineFormModal } from './machine-form-modal';

interface Row extends Machine {
  backups: number;
}

const filterFields = (m: Row) => [m.hostname, m.mac, m.inventory.manufacturer, m.inventory.model, m.uuid];
const sortBy = {
  hostname: (m: Row) => m.hostname,
  mac: (m: Row) => m.mac,
  lastSeen: (m: Row) => m.lastSeenAt,
  backups: (m: Row) => m.backups,
  model: (m: Row) => [m.inventory.manufacturer, m.inventory.model].filter(Boolean).join(' ') || null,
  createdAt: (m: Row) => m.createdAt,
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

type Dialog = { kind: 'register' } | { kind: 'edit'; machine: Machine } | { kind: 'remove'; machine: Machine } | null;

function MachinesTable({ entity }: { entity: Entity }) {
  const machines = useMachines(entity.id);
  const backups = useBackupImages(entity.id);
  const canEdit = useCanEdit();
  const [dialog, setDialog] = useState<Dialog>(null);
  const counts = new Map<string, number>();
  for (const b of backups.data ?? []) if (b.state === 'ready') counts.set(b.machineId, (counts.get(b.machineId) ?? 0) + 1);
  const rows = machines.data?.map((m) => ({ ...m, backups: counts.get(m.id) ?? 0 }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'hostname' } });
  const remove = useApiMutation({
    mutationFn: (m: Machine) => api.machines.remove(m.id),
    invalidates: ['machines', 'imaging-server-status'],
    success: (_r, m) => `Machine ${m.hostname} removed.`,
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
    { id: 'model', header: 'Model', cell: (m) => [m.inventory.manufacturer, m.inventory.model].filter(Boolean).join(' ') || '—', sortingField: 'model' },
    { id: 'createdAt', header: 'Registered', cell: (m) => formatDateTime(m.createdAt), sortingField: 'createdAt' },
    ...(canEdit
      ? [
          {
            id: 'actions',
            header: 'Actions',
            cell: (m: Row) => (
              <ButtonDropdown
                variant="inline-icon"
                ariaLabel={`Actions for machine ${m.hostname}`}
                expandToViewport
                items={[
                  { id: 'edit', text: 'Edit' },
                  { id: 'remove', text: 'Remove' },
                ]}
                onItemClick={({ detail }) => setDialog({ kind: detail.id === 'edit' ? 'edit' : 'remove', machine: m })}
              />
            ),
          },
        ]
      : []),
  ];

  const register = canEdit ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'register' })}>
      Register machine
    </Button>
  ) : undefined;

  return (
    <>
      <Table
        {...collection.tableProps}
        columnDefinitions={columns}
        wrapLines
        trackBy="id"
        variant="container"
        stickyHeader
        loading={machines.isPending}
        loadingText="Loading machines"
        empty={
          machines.isError
            ? tableError(machines.error, () => machines.refetch(), 'machines')
            : tableEmpty(
                collection,
                <EmptyState title="No machines" subtitle="Register machines by MAC address, or boot them from the network and register them there." action={register} />,
              )
        }
        header={
          <Header
            variant="h2"
            counter={machines.data ? `(${machines.data.length})` : undefined}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh machines" loading={machines.isFetching} onClick={() => machines.refetch()} />
                {register}
              </SpaceBetween>
            }
          >
            {`Machines of ${entity.name}`}
          </Header>
        }
        filter={<TextFilter {...collection.filterProps} filteringPlaceholder="Find machines by hostname, MAC or model" filteringAriaLabel="Filter machines" />}
        pagination={<Pagination {...collection.paginationProps} />}
      />
      {dialog?.kind === 'register' && <MachineFormModal entityId={entity.id} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <MachineFormModal entityId={entity.id} machine={dialog.machine} onClose={() => setDialog(null)} />}
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

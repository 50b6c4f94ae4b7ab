import { useEffect, useMemo, useState } from 'react';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import HelpPanel from '@cloudscape-design/components/help-panel';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useQueries, useQueryClient } from '@tanstack/react-query';
import type { ImagingServerStatus } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { tenantKey } from '../../api/queries';
import { useSession } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { EmptyState, tableEmpty } from '../../components/page-states';
import { formatDateTime, formatPercent, formatRelative } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { ServerStatusIndicator, statusLabels } from '../imaging-server-status/server-status-indicator';
import { countByStatus, lowestFreeShare, servedEntities, type FleetRow } from './fleet-rows';
import './fleet-page.css';

const REFRESH_MS = 30_000;

const filterFields = (r: FleetRow) => [r.tenantName, r.entityPath, r.status?.imagingServerName, r.status?.reason, r.status ? statusLabels[r.status.status] : null];
const statusOrder: Record<string, number> = { 'connection-error': 0, offline: 1, available: 2 };
const sortBy = {
  tenant: (r: FleetRow) => r.tenantName,
  entity: (r: FleetRow) => r.entityPath,
  server: (r: FleetRow) => r.status?.imagingServerName,
  status: (r: FleetRow) => (r.status ? statusOrder[r.status.status] : 3),
  reported: (r: FleetRow) => r.status?.reportedAt,
  free: (r: FleetRow) => lowestFreeShare(r.status),
};

type StatusFilter = ImagingServerStatus | 'all';

/**
 * Every imaging server of the tenant, or of every tenant for an MSP operator. There is no
 * fleet endpoint: entities per tenant, then one status call per served entity, all in
 * parallel and cached (shared with the status page), refreshed every 30 s.
 */
export default function FleetPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Fleet</h2>}>
      <p>The status of every imaging server you manage. Problems first: sort by status, or filter on Offline and Connection error.</p>
      <p>Choose an entity to open its imaging server status page.</p>
    </HelpPanel>
  ));
  const { tenants, tenantId, switchTenant, refreshTenants } = useSession();
  useEffect(() => {
    void refreshTenants().catch(() => undefined);
  }, [refreshTenants]);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [scope, setScope] = useState<'tenant' | 'all'>('tenant');
  const [statusFilter, setStatusFilter] = useState<StatusFilter>('all');
  const inScope = scope === 'all' ? tenants : tenants.filter((t) => t.id === tenantId);

  const entityQueries = useQueries({
    queries: inScope.map((tenant) => ({
      queryKey: tenantKey(tenant.id, 'entities'),
      queryFn: () => api.entities.list(tenant.id),
      staleTime: 60_000,
    })),
  });
  const served = servedEntities(inScope.flatMap((tenant, i) => (entityQueries[i]?.data ? [{ tenant, entities: entityQueries[i].data }] : [])));
  const unserved = inScope.reduce((n, _t, i) => n + (entityQueries[i]?.data?.filter((e) => !e.imagingServerId).length ?? 0), 0);
  const statusQueries = useQueries({
    queries: served.map((s) => ({
      queryKey: tenantKey(s.tenant.id, 'imaging-server-status', s.entityId),
      queryFn: () => api.entities.imagingServerStatus(s.entityId, s.tenant.id),
      staleTime: REFRESH_MS,
      refetchInterval: REFRESH_MS,
    })),
  });
  const rows: FleetRow[] = served.map((s, i) => ({
    key: `${s.tenant.id}:${s.entityId}`,
    tenantId: s.tenant.id,
    tenantName: s.tenant.name,
    entityId: s.entityId,
    entityPath: s.path,
    status: statusQueries[i]?.data,
    error: statusQueries[i]?.error ?? null,
  }));
  const loadingEntities = entityQueries.some((q) => q.isPending);
  const entityErrors = entityQueries.filter((q) => q.isError);
  const refreshing = entityQueries.some((q) => q.isFetching) || statusQueries.some((q) => q.isFetching);

  const extraFilter = useMemo(() => (statusFilter === 'all' ? undefined : (r: FleetRow) => r.status?.status === statusFilter), [statusFilter]);
  const collection = useCollection(loadingEntities ? undefined : rows, { filterFields, sortBy, defaultSort: { columnId: 'status' }, pageSize: 50, extraFilter });
  const counts = countByStatus(rows);

  const open = (row: FleetRow) => {
    if (row.tenantId !== tenantId) switchTenant(row.tenantId);
    navigate(`/imaging-server-status?entity=${row.entityId}`);
  };

  const columns: TableProps.ColumnDefinition<FleetRow>[] = [
    ...(scope === 'all' ? [{ id: 'tenant', header: 'Tenant', cell: (r: FleetRow) => r.tenantName, sortingField: 'tenant', width: 170 }] : []),
    {
      id: 'entity',
      header: 'Entity',
      isRowHeader: true,
      sortingField: 'entity',
      width: 220,
      cell: (r) => (
        <Link
          href={`/imaging-server-status?entity=${r.entityId}`}
          onFollow={(event) => {
            event.preventDefault();
            open(r);
          }}
        >
          {r.entityPath}
        </Link>
      ),
    },
    { id: 'server', header: 'Imaging server', cell: (r) => r.status?.imagingServerName ?? '—', sortingField: 'server', width: 160 },
    {
      id: 'status',
      header: 'Status',
      sortingField: 'status',
      width: 180,
      cell: (r) =>
        r.status ? <ServerStatusIndicator status={r.status.status} /> : r.error ? <StatusIndicator type="warning">Unknown</StatusIndicator> : <StatusIndicator type="loading">Checking</StatusIndicator>,
    },
    { id: 'reason', header: 'Reason', width: 320, cell: (r) => (r.error ? messageOf(r.error) : (r.status?.reason ?? '…')) },
    {
      id: 'reported',
      header: 'Last report',
      sortingField: 'reported',
      width: 140,
      cell: (r) => (r.status?.reportedAt ? <span title={formatDateTime(r.status.reportedAt)}>{formatRelative(r.status.reportedAt)}</span> : 'Never'),
    },
    {
      id: 'free',
      header: 'Free space',
      sortingField: 'free',
      width: 130,
      cell: (r) => {
        const share = lowestFreeShare(r.status);
        if (share === null) return '—';
        return share < 0.1 ? <StatusIndicator type="warning">{formatPercent(share)}</StatusIndicator> : formatPercent(share);
      },
    },
    { id: 'version', header: 'Software', cell: (r) => r.status?.softwareVersion ?? '—' },
  ];

  const statusOptions = [
    { value: 'all', label: 'Any status' },
    { value: 'available', label: `Available (${counts.available})` },
    { value: 'offline', label: `Offline (${counts.offline})` },
    { value: 'connection-error', label: `Connection error (${counts['connection-error']})` },
  ];

  return (
    <Table
      {...collection.tableProps}
      columnDefinitions={columns}
      wrapLines
      resizableColumns
      trackBy="key"
      variant="full-page"
      stickyHeader
      loading={loadingEntities}
      loadingText="Loading the fleet"
      empty={
        entityErrors.length ? (
          <EmptyState title="The fleet could not be loaded" subtitle={messageOf(entityErrors[0]!.error)} action={<Button onClick={() => entityErrors.forEach((q) => q.refetch())}>Retry</Button>} />
        ) : (
          tableEmpty(collection, <EmptyState title="No imaging servers" subtitle="Register the imaging server of an entity on the Entities page." action={<Button onClick={() => navigate('/entities')}>Go to entities</Button>} />)
        )
      }
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={`(${rows.length})`}
          description={
            <span className="marrow-fleet-counts">
              <StatusIndicator type="success">{`${counts.available} Available`}</StatusIndicator>
              <StatusIndicator type="stopped">{`${counts.offline} Offline`}</StatusIndicator>
              <StatusIndicator type="error">{`${counts['connection-error']} Connection error`}</StatusIndicator>
              {unserved > 0 && <span>{`${unserved} entit${unserved === 1 ? 'y has' : 'ies have'} no imaging server`}</span>}
            </span>
          }
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {tenants.length > 1 && (
                <SegmentedControl
                  selectedId={scope}
                  onChange={({ detail }) => setScope(detail.selectedId as 'tenant' | 'all')}
                  label="Tenants shown"
                  options={[
                    { id: 'tenant', text: 'This tenant' },
                    { id: 'all', text: `All tenants (${tenants.length})` },
                  ]}
                />
              )}
              <Button
                iconName="refresh"
                ariaLabel="Refresh the fleet"
                loading={refreshing}
                onClick={() => void queryClient.invalidateQueries({ predicate: (q) => ['entities', 'imaging-server-status'].includes(String(q.queryKey[2])) })}
              />
            </SpaceBetween>
          }
        >
          Fleet
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="xs">
          <div className="marrow-fleet-filter">
            <TextFilter {...collection.filterProps} filteringPlaceholder="Find by tenant, entity, server or reason" filteringAriaLabel="Filter imaging servers" />
          </div>
          <Select
            selectedOption={statusOptions.find((o) => o.value === statusFilter) ?? statusOptions[0]!}
            options={statusOptions}
            onChange={({ detail }) => setStatusFilter((detail.selectedOption.value ?? 'all') as StatusFilter)}
            ariaLabel="Filter by status"
          />
        </SpaceBetween>
      }
      pagination={<Pagination {...collection.paginationProps} />}
    />
  );
}

import type { Entity, ImagingServerStatus, ImagingServerStatusView, Tenant } from '@marrow/shared';
import { entityRows } from '../../entities/entity-tree';

/** One imaging server of the fleet: its entity, tenant and (once loaded) status. */
export interface FleetRow {
  key: string;
  tenantId: string;
  tenantName: string;
  entityId: string;
  entityPath: string;
  status: ImagingServerStatusView | undefined;
  error: unknown;
}

export interface TenantEntities {
  tenant: Tenant;
  entities: readonly Entity[];
}

/** The entities served by an imaging server, in tree order, per tenant. */
export function servedEntities(tenants: readonly TenantEntities[]): { tenant: Tenant; entityId: string; path: string }[] {
  return tenants.flatMap(({ tenant, entities }) =>
    entityRows(entities)
      .filter((row) => row.entity.imagingServerId)
      .map((row) => ({ tenant, entityId: row.entity.id, path: row.path })),
  );
}

export function countByStatus(rows: readonly FleetRow[]): Record<ImagingServerStatus | 'unknown', number> {
  const counts = { available: 0, offline: 0, 'connection-error': 0, unknown: 0 };
  for (const row of rows) counts[row.status?.status ?? 'unknown'] += 1;
  return counts;
}

/** The least free space among the partitions, as a share (0–1), or null when not reported. */
export function lowestFreeShare(view: ImagingServerStatusView | undefined): number | null {
  const shares = (view?.partitions ?? []).filter((p) => p.totalBytes > 0).map((p) => p.freeBytes / p.totalBytes);
  return shares.length ? Math.min(...shares) : null;
}

import { describe, expect, it } from 'vitest';
import type { Entity, ImagingServerStatusView, Tenant } from '@marrow/shared';
import { countByStatus, lowestFreeShare, servedEntities, type FleetRow } from './fleet-rows';

const tenant = { id: 'tn_1', name: 'Acme' } as Tenant;
const entity = (id: string, name: string, parentId: string | null, served: boolean) =>
  ({ id, name, parentId, imagingServerId: served ? `is_${id}` : null }) as Entity;

describe('fleet rows', () => {
  it('lists only served entities, with their path', () => {
    const rows = servedEntities([{ tenant, entities: [entity('a', 'General', null, true), entity('b', 'Lyon', 'a', true), entity('c', 'Empty', null, false)] }]);
    expect(rows.map((r) => r.path)).toEqual(['General', 'General / Lyon']);
  });
  it('counts statuses, unknown while loading', () => {
    const row = (status?: string) => ({ status: status ? ({ status } as ImagingServerStatusView) : undefined }) as FleetRow;
    expect(countByStatus([row('available'), row('offline'), row(), row('available')])).toEqual({ available: 2, offline: 1, 'connection-error': 0, unknown: 1 });
  });
  it('finds the fullest partition', () => {
    const view = { partitions: [{ totalBytes: 100, freeBytes: 50 }, { totalBytes: 10, freeBytes: 1 }] } as ImagingServerStatusView;
    expect(lowestFreeShare(view)).toBe(0.1);
    expect(lowestFreeShare(undefined)).toBeNull();
  });
});

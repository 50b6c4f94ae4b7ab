import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '@marrow/shared';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';

let harness: ApiHarness;
let world: CatalogueWorld;
const as = () => ({ token: harness.tenantA.adminToken });

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
});
afterAll(() => harness?.close());

async function storeReport(overrides: Partial<HealthReport>) {
  const now = new Date().toISOString();
  const lastReport: HealthReport = {
    id: `r-${Math.random()}`,
    sentAt: now,
    imagingServerId: world.imagingServerId,
    softwareVersion: '0.1.0',
    intervalSeconds: 30,
    partitions: [{ device: '/dev/vda3', mountPoint: '/', totalBytes: 100e9, freeBytes: 60e9 }],
    load: { uptimeSeconds: 3600, loadAverage: [0.5, 0.4, 0.3], memoryUsedBytes: 1e9, memoryTotalBytes: 4e9 },
    services: { proxyDhcp: 'running', tftp: 'running', http: 'running' },
    controlPlaneReachable: true,
    ...overrides,
  };
  const existing = await harness.deps.store.get(world.tenantId, 'imagingServerHealth', world.imagingServerId);
  const record = { tenantId: world.tenantId, imagingServerId: world.imagingServerId, lastReport, offlineSince: null, createdAt: now, updatedAt: now, version: (existing?.version ?? 0) + 1 };
  if (existing) await harness.deps.store.replace(world.tenantId, 'imagingServerHealth', world.imagingServerId, record, existing.version);
  else await harness.deps.store.create(world.tenantId, 'imagingServerHealth', world.imagingServerId, record);
}

describe('GET /v1/entities/{id}/imaging-server', () => {
  it('says Offline with the reason before the server ever reported, with the entity statistics', async () => {
    const answer = await harness.call('get', `/v1/entities/${world.entityId}/imaging-server`, as());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      imagingServerId: world.imagingServerId,
      imagingServerName: 'edge-1',
      status: 'offline',
      partitions: [],
      load: null,
      statistics: { clients: 2, clientsWithBackupImages: 1, backupImages: 1, mastersAvailable: 1 },
    });
    expect(answer.body.reason).toContain('never reported');
    const child = await harness.call('get', `/v1/entities/${world.childEntityId}/imaging-server`, as());
    expect(child.body).toMatchObject({ status: 'offline', imagingServerId: null });
  });

  it('shows partitions and load only when Available', async () => {
    await storeReport({});
    const available = await harness.call('get', `/v1/entities/${world.entityId}/imaging-server`, as());
    expect(available.body.status).toBe('available');
    expect(available.body.partitions[0].device).toBe('/dev/vda3');
    expect(available.body.load.memoryTotalBytes).toBe(4e9);

    await storeReport({ controlPlaneReachable: false, lastError: 'getaddrinfo ENOTFOUND api' });
    const broken = await harness.call('get', `/v1/entities/${world.entityId}/imaging-server`, as());
    expect(broken.body.status).toBe('connection-error');
    expect(broken.body.reason).toContain('ENOTFOUND');
    expect(broken.body.partitions).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lambdas/src/app/routes';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';
import { fillPath, sampleBody, sampleQuery } from '../support/route-samples';

/**
 * Tenancy is a security boundary. Tenant A's administrator tries every route of the API on
 * tenant B's records — with A's own tenant context and by naming tenant B — and afterwards
 * tenant B's whole catalogue must be exactly as it was.
 */
let harness: ApiHarness;
let worldA: CatalogueWorld;
let worldB: CatalogueWorld;

const tenantRoutes = () => apiRoutes.filter((r) => r.access === 'read' || r.access === 'write');

async function snapshotOf(world: CatalogueWorld, token: string): Promise<unknown> {
  const as = { token, tenant: world.tenantId };
  const snapshot: Record<string, unknown> = {};
  for (const path of ['entities', 'imaging-servers', 'machines', 'backup-images', 'masters', 'boot-services', 'post-imaging-scripts', 'deployments', 'backup-requests', 'answer-files', 'agents', 'users']) {
    snapshot[path] = (await harness.call('get', `/v1/${path}?limit=500`, as)).body;
  }
  snapshot.menu = (await harness.call('get', `/v1/entities/${world.entityId}/startup-menu`, as)).body;
  snapshot.answerFile = (await harness.call('get', `/v1/answer-files/${world.answerFileId}`, as)).body;
  snapshot.driverSet = (await harness.call('get', `/v1/entities/${world.entityId}/driver-set`, as)).body;
  snapshot.upload = await harness.deps.store.get(world.tenantId, 'fileUpload', world.uploadId);
  snapshot.tasks = (await harness.call('get', `/v1/deployments/${world.deploymentId}/tasks`, as)).body;
  snapshot.objects = [];
  for await (const object of harness.deps.archive.list(world.tenantId, '')) (snapshot.objects as unknown[]).push(object);
  return snapshot;
}

beforeAll(async () => {
  harness = await startApiHarness();
  worldA = await buildWorld(harness, harness.tenantA);
  worldB = await buildWorld(harness, harness.tenantB);
});
afterAll(() => harness?.close());

describe("tenant A cannot reach tenant B's records", () => {
  it('through any route, with its own tenant context or by naming tenant B', async () => {
    const before = await snapshotOf(worldB, harness.tenantB.adminToken);
    const idsOfB = JSON.stringify(before).match(/(en|is|mc|bk|ms|bs|ps|dp|br|af|ag|up)_[0-9A-Z]{26}/g)!;
    expect(idsOfB.length).toBeGreaterThan(20);
    const outcomes: string[] = [];

    for (const route of tenantRoutes()) {
      const path = fillPath(route, worldB) + sampleQuery(route, worldB);
      const body = sampleBody(route, worldB);
      const own = await harness.call(route.method, path, { token: harness.tenantA.adminToken, ...(body !== undefined ? { body } : {}) });
      const listing = route.method === 'get' && !route.path.includes(':');
      if (listing) {
        expect(own.status, `${route.method} ${path}`).toBe(200);
        // A's own listing, filtered by B's entity, must not show B's records.
        const leaked = idsOfB.filter((id) => JSON.stringify(own.body).includes(id) && !id.startsWith('en_'));
        expect(leaked, `${route.method} ${path} leaked`).toEqual([]);
      } else if (!route.path.includes(':') && !idsOfB.some((id) => JSON.stringify(body).includes(id))) {
        // Creating something that names none of B's records simply creates it in A (an action,
        // such as a storage collection, runs on A).
        expect(own.status, `${route.method} ${path}`).toBe(route.status ?? 200);
        expect(own.body.tenantId ?? own.body.tenantIds?.[0]).toBe(worldA.tenantId);
      } else {
        expect([400, 404], `${route.method} ${path} → ${own.status} ${JSON.stringify(own.body)}`).toContain(own.status);
      }
      const named = await harness.call(route.method, path, {
        token: harness.tenantA.adminToken,
        tenant: worldB.tenantId,
        ...(body !== undefined ? { body } : {}),
      });
      expect(named.status, `${route.method} ${path} naming tenant B`).toBe(403);
      outcomes.push(`${route.method} ${route.path}: ${own.status}/${named.status}`);
    }
    expect(outcomes.length).toBe(tenantRoutes().length);
    expect(await snapshotOf(worldB, harness.tenantB.adminToken)).toEqual(before);
  });

  it('lists only its own tenants and cannot read tenant B', async () => {
    const tenants = await harness.call('get', '/v1/tenants', { token: harness.tenantA.adminToken });
    expect(tenants.body.items.map((t: { id: string }) => t.id)).toEqual([worldA.tenantId]);
    expect((await harness.call('get', `/v1/tenants/${worldB.tenantId}`, { token: harness.tenantA.adminToken })).status).toBe(404);
  });

  it("cannot page tenant B with a cursor issued for tenant B's listing", async () => {
    const page = await harness.call('get', '/v1/boot-services?limit=2', { token: harness.tenantB.adminToken, tenant: worldB.tenantId });
    expect(page.body.nextCursor).toBeTruthy();
    const replay = await harness.call('get', `/v1/boot-services?limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`, {
      token: harness.tenantA.adminToken,
    });
    expect(replay.status).toBe(400);
    expect(JSON.stringify(replay.body)).not.toContain(worldB.tenantId);
  });

  it("cannot read or overwrite tenant B's archived objects through the archive port", async () => {
    const keysOfB: string[] = [];
    for await (const object of harness.deps.archive.list(worldB.tenantId, '')) keysOfB.push(object.key);
    expect(keysOfB.length).toBeGreaterThan(0);
    for (const key of keysOfB) expect(await harness.deps.archive.get(worldA.tenantId, key)).toBeUndefined();
    await expect(harness.deps.archive.get(worldA.tenantId, `../${worldB.tenantId}/${keysOfB[0]}`)).rejects.toThrow();
  });
});

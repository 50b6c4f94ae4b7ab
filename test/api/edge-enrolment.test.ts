import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueSnapshotSchema } from '@marrow/shared';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';

let harness: ApiHarness;
let world: CatalogueWorld;
let worldB: CatalogueWorld;
const asAdmin = () => ({ token: harness.tenantA.adminToken });

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
  worldB = await buildWorld(harness, harness.tenantB);
});
afterAll(() => harness?.close());

async function newServerWithCode(entityId: string, name: string) {
  const created = await harness.call('post', '/v1/imaging-servers', { ...asAdmin(), body: { entityId, name } });
  expect(created.status).toBe(201);
  return created.body as { id: string; enrolmentCode: string; enrolmentCodeExpiresAt: string };
}

function snapshotWith(credential: string) {
  return harness.call('get', '/v1/edge/snapshot', { token: credential });
}

describe('enrolment of an imaging server', () => {
  let credential: string;

  it('returns a one-time code at creation and exchanges it once for a credential', async () => {
    const entity = await harness.call('post', '/v1/entities', { ...asAdmin(), body: { name: 'Marseille' } });
    const server = await newServerWithCode(entity.body.id, 'edge-marseille');
    expect(server.enrolmentCode).toMatch(/^MRW-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(Date.parse(server.enrolmentCodeExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const got = (await harness.call('get', `/v1/imaging-servers/${server.id}`, asAdmin())).body;
    expect(JSON.stringify(got)).not.toContain(server.enrolmentCode);

    // Case and dashes do not matter when a person types the code.
    const enrolled = await harness.call('post', '/v1/edge/enroll', { body: { code: server.enrolmentCode.toLowerCase().replace(/-/g, ' ') } });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toMatchObject({ tenantId: world.tenantId, imagingServerId: server.id, entityId: entity.body.id, name: 'edge-marseille' });
    credential = enrolled.body.credential;
    expect(credential).toMatch(/^mse1\./);

    const again = await harness.call('post', '/v1/edge/enroll', { body: { code: server.enrolmentCode } });
    expect(again.status).toBe(401);
    expect(again.body.error.message).toContain('already used');
    const wrong = await harness.call('post', '/v1/edge/enroll', { body: { code: 'MRW-AAAA-BBBB-CCCC-DDDD' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toContain('not valid');
  });

  it('refuses an expired code, and retires the previous code when a new one is issued', async () => {
    const server = await newServerWithCode(world.childEntityId, 'edge-branch');
    const renewed = await harness.call('post', `/v1/imaging-servers/${server.id}/enrolment-code`, asAdmin());
    expect(renewed.status).toBe(201);
    expect((await harness.call('post', '/v1/edge/enroll', { body: { code: server.enrolmentCode } })).status).toBe(401);
    const realClock = harness.deps.clock;
    harness.deps.clock = () => new Date(Date.now() + 25 * 3600 * 1000);
    try {
      const late = await harness.call('post', '/v1/edge/enroll', { body: { code: renewed.body.enrolmentCode } });
      expect(late.status).toBe(401);
      expect(late.body.error.message).toContain('expired');
    } finally {
      harness.deps.clock = realClock;
    }
  });

  it("serves the imaging server its own entity's snapshot, with ETag and 304", async () => {
    const first = await snapshotWith(credential);
    expect(first.status).toBe(200);
    const snapshot = catalogueSnapshotSchema.parse(first.body);
    expect(snapshot.entities.map((e) => e.name)).toEqual(['Marseille']);
    expect(snapshot.machines).toEqual([]);
    expect(snapshot.entities[0]!.bootServices.map((s) => s.kind).sort()).toEqual(['backup', 'deploy-master', 'diagnostics', 'local-disk', 'register']);
    const response = await fetchSnapshot(credential, `"${snapshot.version}"`);
    expect(response.status).toBe(304);
  });

  it('lists machines, masters and armed tasks of the served entities', async () => {
    // World A's General entity is served by edge-1; enrol a fresh code for it.
    const code = (await harness.call('post', `/v1/imaging-servers/${world.imagingServerId}/enrolment-code`, asAdmin())).body.enrolmentCode;
    const generalCredential = (await harness.call('post', '/v1/edge/enroll', { body: { code } })).body.credential;
    const snapshot = catalogueSnapshotSchema.parse((await snapshotWith(generalCredential)).body);
    // Branch office has its own imaging server now (edge-branch), so it is not served by edge-1.
    expect(snapshot.entities.map((e) => e.name)).toEqual(['General']);
    expect(snapshot.machines.map((m) => m.hostname).sort()).toEqual(['lab-042', 'lab-043']);
    expect(snapshot.armedTasks).toEqual([
      expect.objectContaining({ kind: 'deploy', machineId: world.machineId, deploymentId: world.deploymentId, masterId: world.masterId }),
    ]);
    expect(snapshot.entities[0]!.masters.map((m) => m.id)).toEqual([world.masterId]);
    expect(JSON.stringify(snapshot)).not.toContain(worldB.tenantId);
    expect(snapshot.armedTasks[0]!.multicast).toBeUndefined(); // a unicast deployment

    // A multicast deployment: its armed deploys say how many machines its udpcast sessions wait for.
    const multicast = await harness.call('post', '/v1/deployments', { ...asAdmin(), body: { masterId: world.masterId, machineIds: [world.secondMachineId], mode: 'multicast' } });
    expect(multicast.status, JSON.stringify(multicast.body)).toBe(201);
    const armed = catalogueSnapshotSchema.parse((await snapshotWith(generalCredential)).body).armedTasks.find((t) => t.deploymentId === multicast.body.id);
    expect(armed).toMatchObject({ kind: 'deploy', machineId: world.secondMachineId, multicast: { machines: 1 } });
    await harness.call('post', `/v1/deployments/${multicast.body.id}/cancel`, asAdmin());
  });

  it('keeps edge credentials and user tokens apart, and cuts a revoked server off', async () => {
    expect((await harness.call('get', '/v1/edge/snapshot', asAdmin())).status).toBe(401);
    expect((await harness.call('get', '/v1/entities', { token: credential })).status).toBe(403);
    const forged = credential.replace(/.{4}$/, 'AAAA');
    expect((await harness.call('get', '/v1/edge/snapshot', { token: forged })).status).toBe(401);
    const swapped = credential.replace(world.tenantId, worldB.tenantId);
    expect((await harness.call('get', '/v1/edge/snapshot', { token: swapped })).status).toBe(401);

    const serverId = credential.split('.')[2]!;
    await harness.call('patch', `/v1/imaging-servers/${serverId}`, { ...asAdmin(), body: { revoked: true } });
    const revoked = await harness.call('get', '/v1/edge/snapshot', { token: credential });
    expect(revoked.status).toBe(403);
    expect(revoked.body.error.message).toContain('revoked');
  });
});

async function fetchSnapshot(credential: string, ifNoneMatch: string): Promise<Response> {
  const { createApp } = await import('../../lambdas/src/app/create-app');
  return createApp(harness.deps).request('/v1/edge/snapshot', {
    headers: { authorization: `Bearer ${credential}`, 'if-none-match': ifNoneMatch },
  });
}

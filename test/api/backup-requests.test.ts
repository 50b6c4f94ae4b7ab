import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, catalogueSnapshotSchema, edgeTopic } from '@marrow/shared';
import { listAll } from '../../lambdas/src/ports/catalogue-store';
import { handleEdgeMessage } from '../../lambdas/src/telemetry/edge-message-handler';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';

/**
 * "Back up this machine" asked in the API: a backup request arms the machine's next boot in
 * its imaging server's snapshot, refuses to overlap a deployment, and moves as its edge
 * reports (the end-to-end path through a real edge is in test/edge/imaging-session.test.ts).
 */
let harness: ApiHarness;
let world: CatalogueWorld;
const as = () => ({ token: harness.tenantA.adminToken, tenant: harness.tenantA.id });
const machineBody = (mac: string, hostname: string) => ({ entityId: world.entityId, mac, hostname });

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
});
afterAll(() => harness?.close());

let seq = 0;
const event = (body: Record<string, unknown>) =>
  handleEdgeMessage(
    { store: harness.deps.store, clock: () => new Date() },
    edgeTopic(world.tenantId, world.imagingServerId, 'events'),
    JSON.stringify({ v: CONTRACT_VERSION, id: `ev_test_${seq++}_${Date.now()}`, sentAt: new Date().toISOString(), type: 'backup-request-progress', ...body }),
  );

describe('backup requests', () => {
  it('creates, lists, gets and cancels a request; creation sends the serving edge a command to arm it', async () => {
    const machine = (await harness.call('post', '/v1/machines', { ...as(), body: machineBody('52:54:00:b0:00:01', 'bk-001') })).body;
    const created = await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id, description: 'before Windows 11', wakeOnLan: true } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^br_/),
      tenantId: world.tenantId,
      entityId: world.entityId,
      machineId: machine.id,
      description: 'before Windows 11',
      wakeOnLan: true,
      state: 'pending',
      progress: null,
      error: null,
      backupImageId: null,
      createdBy: expect.any(String),
    });
    const id = created.body.id as string;
    expect((await harness.call('get', `/v1/backup-requests/${id}`, as())).body).toEqual(created.body);
    const listed = (await harness.call('get', `/v1/backup-requests?entityId=${world.entityId}`, as())).body.items.map((r: { id: string }) => r.id);
    expect(listed).toEqual(expect.arrayContaining([id, world.backupRequestId]));
    expect((await harness.call('get', `/v1/backup-requests?entityId=${world.childEntityId}`, as())).body.items).toEqual([]);

    const commands = await listAll(harness.deps.store, world.tenantId, 'edgeCommand', { group: world.imagingServerId });
    expect(commands.map((c) => c.command)).toContainEqual(expect.objectContaining({ type: 'arm-backup-request', backupRequestId: id }));

    const cancelled = await harness.call('post', `/v1/backup-requests/${id}/cancel`, as());
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', version: 2 });
    // Cancelling twice is harmless; the edge was told to sync.
    expect((await harness.call('post', `/v1/backup-requests/${id}/cancel`, as())).body.state).toBe('cancelled');
    const after = await listAll(harness.deps.store, world.tenantId, 'edgeCommand', { group: world.imagingServerId });
    expect(after.map((c) => c.command)).toContainEqual(expect.objectContaining({ type: 'cancel-backup-request', backupRequestId: id }));
    // A cancelled request no longer blocks a new one.
    expect((await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } })).status).toBe(201);
  });

  it('refuses a second unfinished request, a machine armed for a deployment, and a deployment of a machine being backed up (409)', async () => {
    const machine = (await harness.call('post', '/v1/machines', { ...as(), body: machineBody('52:54:00:b0:00:02', 'bk-002') })).body;
    const first = await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } });
    expect(first.status).toBe(201);
    const again = await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(first.body.id);

    // world.machineId is in the world's deployment, its task still pending (armed).
    const armed = await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: world.machineId } });
    expect(armed.status).toBe(409);
    expect(armed.body.error.message).toContain(world.deploymentId);

    const deploy = await harness.call('post', '/v1/deployments', { ...as(), body: { masterId: world.masterId, machineIds: [machine.id] } });
    expect(deploy.status).toBe(409);
    expect(deploy.body.error.message).toContain(first.body.id);
    // Nor can the machine be removed meanwhile.
    const remove = await harness.call('delete', `/v1/machines/${machine.id}`, as());
    expect(remove.status).toBe(409);
    expect(remove.body.error.message).toContain(first.body.id);

    expect((await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P' } })).status).toBe(404);
    expect((await harness.call('post', '/v1/backup-requests/br_01J9ZQ4T6W2R8X5Y7V3N1K0M9P/cancel', as())).status).toBe(404);
  });

  it('arms a pending request as a backup boot in the snapshot of the imaging server serving the machine', async () => {
    const machine = (await harness.call('post', '/v1/machines', { ...as(), body: machineBody('52:54:00:b0:00:03', 'bk-003') })).body;
    const request = (await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id, wakeOnLan: true } })).body;
    const snapshot = catalogueSnapshotSchema.parse((await harness.call('get', '/v1/edge/snapshot', { token: world.edgeCredential })).body);
    expect(snapshot.armedTasks).toContainEqual({
      kind: 'backup',
      machineId: machine.id,
      mac: '52:54:00:b0:00:03',
      deploymentId: null,
      masterId: null,
      wakeOnLan: true,
      backupRequestId: request.id,
    });
    // The cancelled request of the world arms nothing; the world's deployment is still armed.
    expect(snapshot.armedTasks.some((t) => t.backupRequestId === world.backupRequestId)).toBe(false);
    expect(snapshot.armedTasks).toContainEqual(expect.objectContaining({ kind: 'deploy', machineId: world.machineId }));

    await harness.call('post', `/v1/backup-requests/${request.id}/cancel`, as());
    const later = catalogueSnapshotSchema.parse((await harness.call('get', '/v1/edge/snapshot', { token: world.edgeCredential })).body);
    expect(later.armedTasks.some((t) => t.backupRequestId === request.id)).toBe(false);
  });

  it("moves with its edge's reports: late and repeated ones are ignored, done names the backup image, an ended request stays ended", async () => {
    const machine = (await harness.call('post', '/v1/machines', { ...as(), body: machineBody('52:54:00:b0:00:04', 'bk-004') })).body;
    const request = (await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } })).body;
    const get = async () => (await harness.call('get', `/v1/backup-requests/${request.id}`, as())).body;
    const base = { backupRequestId: request.id, machineId: machine.id };
    const progress = (bytesDone: number) => ({ phase: 'capture', bytesDone, bytesTotal: 300, rateBytesPerSecond: 1e6 });

    expect(await event({ ...base, seq: 1, state: 'imaging', progress: progress(200) })).toBe('applied');
    await event({ ...base, seq: 0, state: 'imaging', progress: progress(100) }); // late: ignored
    expect(await get()).toMatchObject({ state: 'imaging', progress: progress(200), reportedSeq: 1 });

    // A backup image of another machine is never tied to this request.
    const foreign = (await harness.call('post', '/v1/backup-images', { ...as(), body: { machineId: world.machineId, state: 'ready' } })).body;
    await event({ ...base, seq: 2, state: 'done', backupImageId: foreign.id });
    expect((await get()).state).toBe('imaging');

    const own = (await harness.call('post', '/v1/backup-images', { ...as(), body: { machineId: machine.id, state: 'ready' } })).body;
    await event({ ...base, seq: 3, state: 'done', backupImageId: own.id, progress: { phase: 'report', bytesDone: 300, bytesTotal: 300, rateBytesPerSecond: 0 } });
    expect(await get()).toMatchObject({ state: 'done', backupImageId: own.id });
    await event({ ...base, seq: 4, state: 'failed', error: { message: 'too late', logTail: '' } });
    expect(await get()).toMatchObject({ state: 'done', error: null });
    expect((await harness.call('post', `/v1/backup-requests/${request.id}/cancel`, as())).status).toBe(409);
    // Once done, the machine may be backed up again.
    expect((await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } })).status).toBe(201);
  });

  it('records a failure with its reason and log tail', async () => {
    const machine = (await harness.call('post', '/v1/machines', { ...as(), body: machineBody('52:54:00:b0:00:05', 'bk-005') })).body;
    const request = (await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } })).body;
    await event({ backupRequestId: request.id, machineId: machine.id, seq: 0, state: 'failed', error: { message: 'no disk to capture', logTail: 'lsblk: nothing' } });
    const failed = (await harness.call('get', `/v1/backup-requests/${request.id}`, as())).body;
    expect(failed).toMatchObject({ state: 'failed', error: { message: 'no disk to capture', logTail: 'lsblk: nothing' }, backupImageId: null });
    // A report naming another machine than the request's changes nothing.
    const other = (await harness.call('post', '/v1/backup-requests', { ...as(), body: { machineId: machine.id } })).body;
    await event({ backupRequestId: other.id, machineId: world.machineId, seq: 0, state: 'failed', error: { message: 'x', logTail: '' } });
    expect((await harness.call('get', `/v1/backup-requests/${other.id}`, as())).body.state).toBe('pending');
  });
});

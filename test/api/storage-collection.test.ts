import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPath, deltaPath } from '@marrow/shared';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';
import { testChunk, testManifest, type TestChunk } from '../support/test-manifests';

/**
 * Storage collection: chunks (and deltas) no master version or backup image names any more
 * are deleted once past the grace period — and nothing else, in no other tenant, never while
 * a capture is running, never when a manifest cannot be read.
 */
let harness: ApiHarness;
let world: CatalogueWorld;
let worldB: CatalogueWorld;
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
  worldB = await buildWorld(harness, harness.tenantB);
});
afterAll(() => harness?.close());

const chunk = () => testChunk();

/** A ready backup image of the world's machine, registered by its edge like a real capture. */
async function capture(w: CatalogueWorld, chunks: TestChunk[], withDelta?: string): Promise<string> {
  const asEdge = { token: w.edgeCredential };
  const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge, body: { machineId: w.machineId, description: 'capture' } });
  expect(begun.status).toBe(201);
  for (const c of chunks) await harness.deps.archive.put(w.tenantId, chunkPath(c.h), c.data);
  if (withDelta) await harness.deps.archive.put(w.tenantId, deltaPath(withDelta), randomBytes(100));
  await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify(testManifest(w.tenantId, chunks, { machineId: w.machineId, ...(withDelta ? { deltas: new Map([[withDelta, 100]]) } : {}) })) });
  const done = await harness.call('post', `/v1/edge/backup-images/${begun.body.backupImage.id}/complete`, asEdge);
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return begun.body.backupImage.id as string;
}

/** Runs `work` with the control plane's clock `days` ahead (the archive's dates stay real). */
async function later<T>(days: number, work: () => Promise<T>): Promise<T> {
  const deps = harness.deps as { clock: () => Date };
  const real = deps.clock;
  deps.clock = () => new Date(Date.now() + days * DAY);
  try {
    return await work();
  } finally {
    deps.clock = real;
  }
}

const collect = (body: unknown, token = harness.tenantA.adminToken) => harness.call('post', '/v1/storage/collections', { token, body });
const archived = async (tenantId: string, key: string) => (await harness.deps.archive.head(tenantId, key)) !== undefined;

describe('storage collection', () => {
  const shared = chunk();
  const onlyInOld = chunk();
  const onlyInMaster = chunk();
  const orphan = chunk();
  const orphanOfB = chunk();
  let oldBackup: string;
  let masterId: string;

  beforeAll(async () => {
    oldBackup = await capture(world, [shared, onlyInOld]);
    const forMaster = await capture(world, [shared, onlyInMaster], onlyInMaster.h);
    const promoted = await harness.call('post', `/v1/backup-images/${forMaster}/promote`, { token: harness.tenantA.adminToken, body: { description: 'golden' } });
    expect(promoted.status).toBe(201);
    masterId = promoted.body.id;
    // An upload whose capture never registered, and an orphan delta; and the same in tenant B.
    await harness.deps.archive.put(world.tenantId, chunkPath(orphan.h), orphan.data);
    await harness.deps.archive.put(world.tenantId, deltaPath(orphan.h), randomBytes(50));
    await harness.deps.archive.put(worldB.tenantId, chunkPath(orphanOfB.h), orphanOfB.data);
  });

  it('is a dry run unless asked, and keeps what is younger than the grace period', async () => {
    const now = await collect({});
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    expect(now.body).toMatchObject({ tenantId: world.tenantId, dryRun: true, skipped: null, unreferenced: { chunks: 0, deltas: 0 }, deleted: { objects: 0 } });
    expect(now.body.keptRecent.objects).toBe(2);
    expect(now.body.referenced).toEqual({ chunks: 3, deltas: 1 });

    const dry = await later(8, () => collect({}));
    expect(dry.body).toMatchObject({ dryRun: true, unreferenced: { chunks: 1, deltas: 1, bytes: 2050 }, deleted: { objects: 0, bytes: 0 } });
    expect(await archived(world.tenantId, chunkPath(orphan.h))).toBe(true);
  });

  it('deletes what nothing names, in its own tenant only, and keeps every chunk a manifest names', async () => {
    const run = await later(8, () => collect({ dryRun: false }));
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ dryRun: false, unreferenced: { chunks: 1, deltas: 1 }, deleted: { objects: 2, bytes: 2050 } });
    expect(await archived(world.tenantId, chunkPath(orphan.h))).toBe(false);
    expect(await archived(world.tenantId, deltaPath(orphan.h))).toBe(false);
    for (const c of [shared, onlyInOld, onlyInMaster]) expect(await archived(world.tenantId, chunkPath(c.h))).toBe(true);
    expect(await archived(world.tenantId, deltaPath(onlyInMaster.h))).toBe(true);
    // Tenant B's unreferenced chunk is not tenant A's to collect.
    expect(await archived(worldB.tenantId, chunkPath(orphanOfB.h))).toBe(true);
  });

  it("gives back a deleted backup image's own chunks, not those a master still uses", async () => {
    const deleted = await harness.call('delete', `/v1/backup-images/${oldBackup}?confirm=true`, { token: harness.tenantA.adminToken });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    const run = await later(8, () => collect({ dryRun: false }));
    expect(run.body.deleted.objects).toBe(1);
    expect(await archived(world.tenantId, chunkPath(onlyInOld.h))).toBe(false);
    expect(await archived(world.tenantId, chunkPath(shared.h))).toBe(true);
    expect(await archived(world.tenantId, chunkPath(onlyInMaster.h))).toBe(true);
  });

  it('does nothing while a capture is running', async () => {
    const stray = chunk();
    await harness.deps.archive.put(world.tenantId, chunkPath(stray.h), stray.data);
    // The capture begins when the stray chunk is already past the grace period.
    const begun = await later(8, () => harness.call('post', '/v1/edge/backup-images', { token: world.edgeCredential, body: { machineId: world.secondMachineId } }));
    const run = await later(8, () => collect({ dryRun: false }));
    expect(run.status).toBe(200);
    expect(run.body.skipped).toContain(`backup image ${begun.body.backupImage.id} is being captured`);
    expect(run.body.deleted.objects).toBe(0);
    expect(await archived(world.tenantId, chunkPath(stray.h))).toBe(true);
    // Abandoned (still "capturing" two days on), it no longer holds the collection back.
    const afterwards = await later(10, () => collect({ dryRun: false }));
    expect(afterwards.body.skipped).toBeNull();
    expect(await archived(world.tenantId, chunkPath(stray.h))).toBe(false);
  });

  it('deletes nothing when a manifest it needs cannot be read', async () => {
    const stray = chunk();
    await harness.deps.archive.put(world.tenantId, chunkPath(stray.h), stray.data);
    const master = await harness.call('get', `/v1/masters/${masterId}`, { token: harness.tenantA.adminToken });
    const key = master.body.versions[0].manifestKey as string;
    const saved = await harness.deps.archive.get(world.tenantId, key);
    await harness.deps.archive.delete(world.tenantId, [key]);
    try {
      // (Ten days on, the capture begun above is abandoned and does not hold the run back.)
      const run = await later(10, () => collect({ dryRun: false }));
      expect(run.status).toBe(409);
      expect(run.body.error.message).toContain(`the manifest of version 1 of master ${master.body.label}`);
      expect(await archived(world.tenantId, chunkPath(stray.h))).toBe(true);
    } finally {
      await harness.deps.archive.put(world.tenantId, key, saved!);
    }
  });

  it('deletes agent and driver-set uploads nobody completed, a day after their upload URL expired', async () => {
    const bytes = Buffer.from('MZ not a real installer');
    const started = await harness.call('post', '/v1/agents', {
      token: harness.tenantA.adminToken,
      body: { name: 'never-completed', fileName: 'agent.msi', sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
    });
    expect(started.status).toBe(201);
    expect((await fetch(started.body.uploadUrl, { method: 'PUT', body: bytes })).status).toBe(200);
    const upload = () => harness.deps.store.get(world.tenantId, 'fileUpload', started.body.id);
    const uploadOfB = await harness.deps.store.get(worldB.tenantId, 'fileUpload', worldB.uploadId);
    expect(uploadOfB).toBeDefined();

    // Its URL lapsed an hour after it was issued; a day later still, it is someone's upload in progress.
    const tooEarly = await later(1, () => collect({ dryRun: false }));
    expect(tooEarly.body.abandonedUploads).toEqual({ uploads: 0, bytes: 0, deleted: false });
    expect(await upload()).toBeDefined();

    const dry = await later(2, () => collect({}));
    expect(dry.body.abandonedUploads).toEqual({ uploads: 1, bytes: bytes.length, deleted: false });
    const run = await later(2, () => collect({ dryRun: false }));
    expect(run.body.abandonedUploads).toEqual({ uploads: 1, bytes: bytes.length, deleted: true });
    expect(await upload()).toBeUndefined();
    expect(await archived(world.tenantId, started.body.objectKey)).toBe(false);
    // Tenant B's abandoned upload is not tenant A's to collect.
    expect(await harness.deps.store.get(worldB.tenantId, 'fileUpload', worldB.uploadId)).toEqual(uploadOfB);
  });

  it('is for those who may change the catalogue', async () => {
    const readOnly = await harness.tokenFor('read-only', [world.tenantId]);
    expect((await collect({}, readOnly)).status).toBe(403);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPath, deltaPath, type Manifest } from '@marrow/shared';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';
import { testChunk, testManifest } from '../support/test-manifests';

/** An edge registering a capture: chunks straight to S3 through presigned URLs, then the manifest, then "ready". */
let harness: ApiHarness;
let world: CatalogueWorld;
let worldB: CatalogueWorld;
const asEdge = () => ({ token: world.edgeCredential });

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
  worldB = await buildWorld(harness, harness.tenantB);
});
afterAll(() => harness?.close());

const chunks = [randomBytes(3000), randomBytes(5000), Buffer.alloc(4000, 7)].map((data) => testChunk(data));

function manifest(tenantId: string): Manifest {
  return testManifest(tenantId, chunks, { machineId: world.machineId });
}

describe('capture registration by an edge', () => {
  it('uploads only missing chunks, then the manifest, and the backup image becomes ready', async () => {
    const asked = await harness.call('post', '/v1/edge/chunks/upload-urls', { ...asEdge(), body: { hashes: chunks.map((c) => c.h) } });
    expect(asked.status).toBe(200);
    expect(asked.body.items.map((i: { h: string }) => i.h).sort()).toEqual(chunks.map((c) => c.h).sort());
    const [first] = asked.body.items as { h: string; url: string }[];
    const put = await fetch(first!.url, { method: 'PUT', body: chunks.find((c) => c.h === first!.h)!.data });
    expect(put.status).toBe(200);
    const again = await harness.call('post', '/v1/edge/chunks/upload-urls', { ...asEdge(), body: { hashes: chunks.map((c) => c.h) } });
    expect(again.body.items).toHaveLength(2);

    const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.machineId, description: 'nightly' } });
    expect(begun.status).toBe(201);
    expect(begun.body.backupImage.state).toBe('capturing');
    await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify(manifest(world.tenantId)) });
    const early = await harness.call('post', `/v1/edge/backup-images/${begun.body.backupImage.id}/complete`, asEdge());
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('2 chunk(s) of this backup are not uploaded yet');

    for (const item of again.body.items as { h: string; url: string }[]) {
      await fetch(item.url, { method: 'PUT', body: chunks.find((c) => c.h === item.h)!.data });
    }
    const done = await harness.call('post', `/v1/edge/backup-images/${begun.body.backupImage.id}/complete`, asEdge());
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'ready', sizeBytes: 12_000, compressedSizeBytes: 12_000 });
    expect(await harness.deps.archive.head(world.tenantId, chunkPath(chunks[2]!.h))).toBeDefined();
    // Chunks live under the tenant's prefix only.
    expect(await harness.deps.archive.head(worldB.tenantId, chunkPath(chunks[2]!.h))).toBeUndefined();

    // Promoted, the master's manifest is served to the edge that serves its entity.
    const master = await harness.call('post', `/v1/backup-images/${begun.body.backupImage.id}/promote`, { token: harness.tenantA.adminToken });
    const got = await harness.call('get', `/v1/edge/masters/${master.body.id}/manifest`, asEdge());
    expect(got.status).toBe(200);
    expect(got.body.partitions[0].chunks).toHaveLength(3);
    expect((await harness.call('get', `/v1/edge/masters/${master.body.id}/manifest`, { token: worldB.edgeCredential })).status).toBe(404);
  });

  it('refuses a manifest of another tenant and machines the edge does not serve', async () => {
    const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.secondMachineId } });
    await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify(manifest(worldB.tenantId)) });
    const refused = await harness.call('post', `/v1/edge/backup-images/${begun.body.backupImage.id}/complete`, asEdge());
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('another tenant');
    const foreign = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: worldB.machineId } });
    expect(foreign.status).toBe(404);
  });

  it('lets the edge promote a ready backup image of a machine it serves to a master (import-master)', async () => {
    const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.machineId, description: 'imported' } });
    const id = begun.body.backupImage.id as string;
    // Not before the capture is complete: a half-uploaded image never becomes a master.
    const early = await harness.call('post', `/v1/edge/backup-images/${id}/promote`, { ...asEdge(), body: { description: 'too soon' } });
    expect(early.status).toBe(409);
    await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify({ ...manifest(world.tenantId), machineId: undefined }) });
    expect((await harness.call('post', `/v1/edge/backup-images/${id}/complete`, asEdge())).status).toBe(200);
    // Another tenant's edge does not even see it.
    expect((await harness.call('post', `/v1/edge/backup-images/${id}/promote`, { token: worldB.edgeCredential, body: {} })).status).toBe(404);
    const promoted = await harness.call('post', `/v1/edge/backup-images/${id}/promote`, { ...asEdge(), body: { description: 'Windows 11 (imported)', inDefaultStartupMenu: true } });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ entityId: world.entityId, description: 'Windows 11 (imported)', inDefaultStartupMenu: true, sourceBackupImageId: id });
    expect(promoted.body.versions).toHaveLength(1);
    const got = await harness.call('get', `/v1/edge/masters/${promoted.body.id}/manifest`, asEdge());
    expect(got.body.machineId).toBeUndefined();
  });
});

describe('versions of a master', () => {
  /** A ready backup image of the world's machine, registered by its edge (chunks already archived by the tests above). */
  const marks = new Map<string, string>();
  async function readyBackup(description: string): Promise<string> {
    marks.set(description, new Date(Date.now() + marks.size * 1000).toISOString());
    const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.machineId, description } });
    const missing = await harness.call('post', '/v1/edge/chunks/upload-urls', { ...asEdge(), body: { hashes: chunks.map((c) => c.h) } });
    for (const item of missing.body.items as { h: string; url: string }[]) await fetch(item.url, { method: 'PUT', body: chunks.find((c) => c.h === item.h)!.data });
    await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify({ ...manifest(world.tenantId), createdAt: marks.get(description) }) });
    expect((await harness.call('post', `/v1/edge/backup-images/${begun.body.backupImage.id}/complete`, asEdge())).status).toBe(200);
    return begun.body.backupImage.id as string;
  }

  it('publishes a ready backup image as version 2: same label, the edge syncs it, manifests of both kept', async () => {
    const v1 = await harness.call('post', `/v1/backup-images/${await readyBackup('v1')}/promote`, { token: harness.tenantA.adminToken, body: { description: 'golden' } });
    const v2Backup = await readyBackup('v2');
    const v2 = await harness.call('post', `/v1/masters/${v1.body.id}/versions`, { token: harness.tenantA.adminToken, body: { backupImageId: v2Backup } });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ id: v1.body.id, label: v1.body.label, description: 'golden', sourceBackupImageId: v2Backup });
    expect(v2.body.versions.map((v: { number: number }) => v.number)).toEqual([1, 2]);
    // The edge deploys (and syncs) the latest version.
    const served = await harness.call('get', `/v1/edge/masters/${v1.body.id}/manifest`, asEdge());
    expect(served.body.createdAt).toBe(marks.get('v2'));
    const keys = v2.body.versions.map((v: { manifestKey: string }) => v.manifestKey);
    for (const key of keys) expect(await harness.deps.archive.head(world.tenantId, key)).toBeDefined();
    // Read-only users cannot, another tenant cannot even see the master.
    const readOnly = await harness.tokenFor('read-only', [world.tenantId]);
    expect((await harness.call('post', `/v1/masters/${v1.body.id}/versions`, { token: readOnly, body: { backupImageId: v2Backup } })).status).toBe(403);
    expect((await harness.call('post', `/v1/masters/${v1.body.id}/versions`, { token: harness.tenantB.adminToken, body: { backupImageId: v2Backup } })).status).toBe(404);
  });

  it('refuses a backup image that is not ready, and a master that an unfinished deployment uses', async () => {
    const master = await harness.call('post', `/v1/backup-images/${await readyBackup('base')}/promote`, { token: harness.tenantA.adminToken, body: {} });
    const pending = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.machineId } });
    const notReady = await harness.call('post', `/v1/masters/${master.body.id}/versions`, { token: harness.tenantA.adminToken, body: { backupImageId: pending.body.backupImage.id } });
    expect(notReady.status).toBe(409);
    expect(notReady.body.error.message).toContain('only a ready backup image');
    const machine = await harness.call('post', '/v1/machines', { token: harness.tenantA.adminToken, body: { entityId: world.entityId, mac: '52:54:00:12:34:56', hostname: 'pc-versions' } });
    const deployment = await harness.call('post', '/v1/deployments', { token: harness.tenantA.adminToken, body: { masterId: master.body.id, machineIds: [machine.body.id] } });
    expect(deployment.status, JSON.stringify(deployment.body)).toBe(201);
    const busy = await harness.call('post', `/v1/masters/${master.body.id}/versions`, { token: harness.tenantA.adminToken, body: { backupImageId: await readyBackup('next') } });
    expect(busy.status).toBe(409);
    expect(busy.body.error.message).toContain(`unfinished deployment ${deployment.body.id}`);
  });
});

describe('an abandoned capture', () => {
  it('is marked failed when the machine is next captured, not left "capturing" forever', async () => {
    const stuck = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.secondMachineId, description: 'killed' } });
    const recent = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.secondMachineId, description: 'in flight' } });
    // Minutes later (an edge completes a registration within seconds of beginning it):
    const realClock = harness.deps.clock;
    (harness.deps as { clock: () => Date }).clock = () => new Date(Date.now() + 16 * 60 * 1000);
    try {
      await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.secondMachineId, description: 'next' } });
    } finally {
      (harness.deps as { clock: () => Date }).clock = realClock;
    }
    const get = (id: string) => harness.call('get', `/v1/backup-images/${id}`, { token: harness.tenantA.adminToken });
    const failed = (await get(stuck.body.backupImage.id)).body;
    expect(failed).toMatchObject({ state: 'failed' });
    expect(failed.description).toContain('abandoned');
    expect((await get(recent.body.backupImage.id)).body.state).toBe('failed');
    // A completion arriving after that does not revive it.
    await fetch(stuck.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify({ ...manifest(world.tenantId), machineId: world.secondMachineId }) });
    const late = await harness.call('post', `/v1/edge/backup-images/${stuck.body.backupImage.id}/complete`, asEdge());
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('capture the machine again');
  });
});

describe('chunk deltas and the parent of a capture', () => {
  it('gives upload URLs for the deltas the archive lacks, under the tenant prefix only, and download URLs', async () => {
    const { h } = chunks[1]!;
    const delta = randomBytes(700);
    const asked = await harness.call('post', '/v1/edge/deltas/upload-urls', { ...asEdge(), body: { hashes: [h, h] } });
    expect(asked.status).toBe(200);
    expect(asked.body.items).toHaveLength(1);
    expect((await fetch(asked.body.items[0].url, { method: 'PUT', body: delta })).status).toBe(200);
    // Once archived, a delta is not offered for upload again (never overwritten).
    const again = await harness.call('post', '/v1/edge/deltas/upload-urls', { ...asEdge(), body: { hashes: [h] } });
    expect(again.body.items).toEqual([]);
    expect(await harness.deps.archive.head(world.tenantId, deltaPath(h))).toBeDefined();
    expect(await harness.deps.archive.head(world.tenantId, chunkPath(h))).toBeDefined();
    expect(await harness.deps.archive.head(worldB.tenantId, deltaPath(h))).toBeUndefined();

    const download = await harness.call('post', '/v1/edge/deltas/download-urls', { ...asEdge(), body: { hashes: [h] } });
    expect(download.status).toBe(200);
    const got = await fetch(download.body.items[0].url);
    expect(Buffer.from(await got.arrayBuffer()).equals(delta)).toBe(true);
    // Another tenant's edge gets URLs into its own prefix only: nothing there.
    const foreign = await harness.call('post', '/v1/edge/deltas/download-urls', { token: worldB.edgeCredential, body: { hashes: [h] } });
    expect((await fetch(foreign.body.items[0].url)).status).toBe(404);
    // Edge credentials only.
    expect((await harness.call('post', '/v1/edge/deltas/download-urls', { token: harness.tenantA.adminToken, tenant: world.tenantId, body: { hashes: [h] } })).status).toBe(401);
    expect((await harness.call('post', '/v1/edge/deltas/upload-urls', { body: { hashes: [h] } })).status).toBe(401);
  });

  it("tells the edge a served machine's latest ready backup image, with its manifest: the parent of its next capture", async () => {
    const machine = await harness.call('post', '/v1/machines', { token: harness.tenantA.adminToken, tenant: world.tenantId, body: { entityId: world.entityId, mac: '52:54:00:77:00:01', hostname: 'parent-pc' } });
    const machineId = machine.body.id as string;
    const latest = () => harness.call('get', `/v1/edge/machines/${machineId}/latest-backup`, asEdge());
    expect((await latest()).status).toBe(404);

    const missing = await harness.call('post', '/v1/edge/chunks/upload-urls', { ...asEdge(), body: { hashes: chunks.map((c) => c.h) } });
    for (const item of missing.body.items as { h: string; url: string }[]) await fetch(item.url, { method: 'PUT', body: chunks.find((c) => c.h === item.h)!.data });
    const capture = async (description: string) => {
      const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId, description } });
      await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify({ ...manifest(world.tenantId), machineId }) });
      return begun.body.backupImage as { id: string; manifestKey: string };
    };
    const first = await capture('first');
    expect((await latest()).status).toBe(404); // capturing is not ready
    expect((await harness.call('post', `/v1/edge/backup-images/${first.id}/complete`, asEdge())).status).toBe(200);
    const second = await capture('second');
    expect((await harness.call('post', `/v1/edge/backup-images/${second.id}/complete`, asEdge())).status).toBe(200);
    await capture('third, never completed');

    const answer = await latest();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ backupImageId: second.id, manifestKey: second.manifestKey, manifest: { machineId, tenantId: world.tenantId } });
    expect(answer.body.manifest.partitions[0].chunks).toHaveLength(3);
    // Another tenant's edge does not see the machine.
    expect((await harness.call('get', `/v1/edge/machines/${machineId}/latest-backup`, { token: worldB.edgeCredential })).status).toBe(404);
  });

  it('accepts a manifest naming its parent and chunk deltas, and refuses a delta without its bases or length', async () => {
    const [first, ...rest] = manifest(world.tenantId).partitions[0]!.chunks;
    const parent = { backupImageId: world.backupImageId, manifestKey: `backups/${world.backupImageId}/manifest.json` };
    const register = async (chunk: object) => {
      const begun = await harness.call('post', '/v1/edge/backup-images', { ...asEdge(), body: { machineId: world.machineId } });
      const body = { ...manifest(world.tenantId), parent, partitions: [{ ...manifest(world.tenantId).partitions[0]!, chunks: [chunk, ...rest] }] };
      await fetch(begun.body.manifestUploadUrl, { method: 'PUT', body: JSON.stringify(body) });
      return harness.call('post', `/v1/edge/backup-images/${begun.body.backupImage.id}/complete`, asEdge());
    };
    expect((await register({ ...first, b: [chunks[2]!.h], d: 120 })).status).toBe(200);
    const refused = await register({ ...first, b: [chunks[2]!.h] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('a delta needs both its bases (b) and its length (d)');
  });
});

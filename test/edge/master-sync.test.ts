import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPath, compressedSize, deltaPath, uniqueChunks, type Manifest } from '@marrow/shared';
import { ControlPlaneClient } from '../../edge/src/catalogue/control-plane-client';
import { enrol } from '../../edge/src/catalogue/enrol';
import { ChunkStore } from '../../edge/src/imagecache/chunk-store';
import { ingestStream } from '../../edge/src/imagecache/ingest-stream';
import { ArchiveFetches } from '../../edge/src/imagecache/archive-fetches';
import { syncMaster } from '../../edge/src/imagecache/master-sync';
import { rebuildStream } from '../../edge/src/imagecache/rebuild-stream';
import { uploadCapture } from '../../edge/src/imagecache/upload-capture';
import type { LocalHost } from '../../lambdas/src/local/local-host';
import { startTestStack, type AdminCall } from '../support/local-stack';
import { mixedDiskData } from '../../bench/support/mixed-disk-data';

/**
 * Capture → S3 → master → another site's cache, through the real API, presigned URLs and
 * s3rver: only missing chunks move, a second version moves only what changed, an
 * interrupted sync resumes.
 */
let dir: string;
let host: LocalHost;
let controlPlane: ControlPlaneClient;
let admin: AdminCall;
let machineId: string;
let tenantId: string;

async function* pieces(data: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += 1 << 20) yield data.subarray(at, at + (1 << 20));
}

async function capture(store: ChunkStore, data: Buffer, machine = machineId): Promise<Manifest> {
  const result = await ingestStream(pieces(data), store);
  return {
    schemaVersion: 1,
    tenantId,
    createdAt: new Date().toISOString(),
    machineId: machine,
    disk: { label: 'dos', sizeBytes: data.length + (1 << 20), sectorSize: 512, partitionTable: 'label: dos\n' },
    partitions: [
      {
        number: 1,
        startSector: 2048,
        sizeBytes: data.length,
        filesystem: 'raw',
        tool: 'dd',
        usedBytes: data.length,
        streamBytes: result.streamBytes,
        streamSha256: result.streamSha256,
        chunks: result.chunks,
      },
    ],
  };
}

async function promote(backupImageId: string): Promise<string> {
  return (await admin('post', `/v1/backup-images/${backupImageId}/promote`, {})).body.id;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-sync-'));
  ({ host, admin, tenantId } = await startTestStack(dir));
  const general = (await admin('get', '/v1/entities')).body.items[0].id;
  machineId = (await admin('post', '/v1/machines', { entityId: general, mac: '52:54:00:55:00:01', hostname: 'ref-pc' })).body.id;
  const server = await admin('post', '/v1/imaging-servers', { entityId: general, name: 'site-edge' });
  controlPlane = new ControlPlaneClient(await enrol(host.apiUrl, server.body.enrolmentCode));
});

afterAll(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('masters between sites', () => {
  const v1 = mixedDiskData(24 << 20);
  let master1: string;
  let manifest1: Manifest;

  it('uploads a capture, promotes it, and syncs every chunk to an empty site', async () => {
    const capturing = await ChunkStore.open(join(dir, 'capture'), 1e10);
    manifest1 = await capture(capturing, v1);
    const uploaded = await uploadCapture(manifest1, machineId, 'reference', capturing, controlPlane);
    expect(uploaded.uploadedChunks).toBe(new Set(manifest1.partitions[0]!.chunks.map((c) => c.h)).size);
    const backup = (await admin('get', `/v1/backup-images/${uploaded.backupImageId}`)).body;
    expect(backup).toMatchObject({ state: 'ready', compressedSizeBytes: compressedSize(manifest1), sizeBytes: v1.length });
    master1 = await promote(uploaded.backupImageId);

    const site = await ChunkStore.open(join(dir, 'site'), 1e10);
    const report = await syncMaster(master1, site, controlPlane);
    expect(report).toMatchObject({ alreadyCached: 0, downloaded: report.chunks, downloadedBytes: compressedSize(manifest1) });
    const rebuilt = createHash('sha256');
    for await (const part of rebuildStream(manifest1.partitions[0]!.chunks, site)) rebuilt.update(part);
    expect(rebuilt.digest('hex')).toBe(manifest1.partitions[0]!.streamSha256);
    expect(await syncMaster(master1, site, controlPlane)).toMatchObject({ downloaded: 0, downloadedBytes: 0 });
  });

  it('moves only what changed for a second version', async () => {
    const v2 = Buffer.concat([v1, mixedDiskData(2 << 20)]);
    v2.fill(0x5a, 9 << 20, (9 << 20) + 300_000);
    const capturing = await ChunkStore.open(join(dir, 'capture'), 1e10);
    const manifest2 = await capture(capturing, v2);
    // Whole chunks only here (deltas: below).
    const uploaded = await uploadCapture(manifest2, machineId, 'reference v2', capturing, controlPlane, fetch, {}, { deltas: false });
    expect(uploaded.uploadedChunks).toBeLessThanOrEqual(4);
    expect(uploaded).toMatchObject({ deltaChunks: 0, uploadedDeltas: 0 });
    const master2 = await promote(uploaded.backupImageId);
    const site = await ChunkStore.open(join(dir, 'site'), 1e10);
    const report = await syncMaster(master2, site, controlPlane);
    expect(report.downloaded).toBe(uploaded.uploadedChunks);
    // Exactly the chunks version 1 did not have, and nothing else.
    const known = new Set(manifest1.partitions[0]!.chunks.map((c) => c.h));
    const fresh = new Map(manifest2.partitions[0]!.chunks.filter((c) => !known.has(c.h)).map((c) => [c.h, c.c]));
    expect(report.downloadedBytes).toBe([...fresh.values()].reduce((a, b) => a + b, 0));
    expect(report.alreadyCached).toBeGreaterThan(0);
    expect(report.downloadedBytes).toBeLessThan(compressedSize(manifest2));
  });

  it('a deploy that starts while the site syncs shares its downloads: each chunk crosses the link once', async () => {
    const site = await ChunkStore.open(join(dir, 'busy-site'), 1e10);
    const downloaded: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      downloaded.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    const fetches = new ArchiveFetches(site, controlPlane, counting);
    const chunks = manifest1.partitions[0]!.chunks;
    const deploy = (async () => {
      const hash = createHash('sha256');
      for await (const part of rebuildStream(chunks, site, async (ref) => (await fetches.fetch(ref)).compressed)) hash.update(part);
      return hash.digest('hex');
    })();
    const [report, streamed] = await Promise.all([syncMaster(master1, site, controlPlane, fetches), deploy]);
    expect(streamed).toBe(manifest1.partitions[0]!.streamSha256);
    const unique = new Set(chunks.map((c) => c.h)).size;
    expect(downloaded).toHaveLength(unique);
    expect(new Set(downloaded).size).toBe(unique);
    // The sync fetched some, the deploy the others; together, every chunk once.
    expect(report.downloaded + report.alreadyCached).toBe(unique);
    expect(report.downloaded).toBeLessThan(unique);
  });

  it('resumes an interrupted sync where it stopped', async () => {
    const site = await ChunkStore.open(join(dir, 'fresh-site'), 1e10);
    let allowed = 2;
    const flaky: typeof fetch = async (input, init) => {
      if (allowed-- <= 0) throw new Error('the site link dropped');
      return fetch(input, init);
    };
    await expect(syncMaster(master1, site, controlPlane, new ArchiveFetches(site, controlPlane, flaky))).rejects.toThrow('the site link dropped');
    const kept = manifest1.partitions[0]!.chunks.filter((c) => site.has(c.h)).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    const resumed = await syncMaster(master1, site, controlPlane);
    expect(resumed.alreadyCached).toBe(kept);
    expect(resumed.downloaded).toBe(resumed.chunks - kept);
  });

  it('sends again a chunk the archive lost between its check and the registration (a storage collection)', async () => {
    const capturing = await ChunkStore.open(join(dir, 'capture'), 1e10);
    const again = await capture(capturing, v1); // every chunk is archived already
    const victim = again.partitions[0]!.chunks[3]!.h;
    // A collection deleting an unused copy of it after the edge was told "archived":
    const racing = Object.create(controlPlane, {
      beginBackup: {
        value: async (machine: string, description: string) => {
          await host.deps.archive.delete(tenantId, [chunkPath(victim)]);
          return controlPlane.beginBackup(machine, description);
        },
      },
    }) as ControlPlaneClient;
    const uploaded = await uploadCapture(again, machineId, 'again', capturing, racing, fetch, {}, { deltas: false });
    expect(uploaded.uploadedChunks).toBe(0);
    expect(await host.deps.archive.head(tenantId, chunkPath(victim))).toBeDefined();
    expect((await admin('get', `/v1/backup-images/${uploaded.backupImageId}`)).body.state).toBe('ready');
  });
});

describe('a new version of a machine as deltas against its previous one', () => {
  // A large mixed buffer; v2 changes a few scattered 4 KiB blocks and inserts 64 KiB (the stream shifts after it).
  const v1 = mixedDiskData(40 << 20);
  const v2 = Buffer.concat([v1.subarray(0, 21 << 20), mixedDiskData(64 << 10), v1.subarray(21 << 20)]);
  for (const at of [3 << 20, (11 << 20) + 5000, 17 << 20, (30 << 20) + 12_345, 38 << 20]) randomBytes(4096).copy(v2, at);
  let machine: string;
  let backup1: string;
  let master1: string;
  let manifest1: Manifest;
  let manifest2: Manifest;
  let master2: string;
  let fresh: Manifest['partitions'][number]['chunks'];

  async function rebuiltSha256(site: ChunkStore, manifest: Manifest): Promise<string> {
    const hash = createHash('sha256');
    for await (const part of rebuildStream(manifest.partitions[0]!.chunks, site)) hash.update(part);
    return hash.digest('hex');
  }

  it('uploads, for the chunks that changed, deltas against the chunks of the machine\'s previous image', async () => {
    const general = (await admin('get', '/v1/entities')).body.items[0].id;
    machine = (await admin('post', '/v1/machines', { entityId: general, mac: '52:54:00:55:00:02', hostname: 'delta-pc' })).body.id;
    const capturing = await ChunkStore.open(join(dir, 'delta-capture'), 1e10);
    manifest1 = await capture(capturing, v1, machine);
    const first = await uploadCapture(manifest1, machine, 'v1', capturing, controlPlane);
    expect(first).toMatchObject({ deltaChunks: 0, deltaCandidates: 0 });
    expect(first.parentBackupImageId).toBeUndefined();
    backup1 = first.backupImageId;
    master1 = await promote(backup1);
    const site = await ChunkStore.open(join(dir, 'delta-site'), 1e10);
    expect((await syncMaster(master1, site, controlPlane)).deltaChunks).toBe(0);

    const captured = await capture(capturing, v2, machine);
    const second = await uploadCapture(captured, machine, 'v2', capturing, controlPlane);
    const known = new Set(manifest1.partitions[0]!.chunks.map((c) => c.h));
    fresh = uniqueChunks(captured).filter((c) => !known.has(c.h));
    expect(fresh.length).toBeGreaterThanOrEqual(4);
    expect(second.parentBackupImageId).toBe(backup1);
    expect(second.deltaCandidates).toBe(fresh.length);
    expect(second.deltaChunks).toBe(fresh.length);
    expect(second.uploadedDeltas).toBe(fresh.length);
    expect(second.uploadedDeltaBytes).toBeLessThan(fresh.reduce((sum, c) => sum + c.c, 0) / 5);
    master2 = await promote(second.backupImageId);

    // The registered manifest names its parent and, for each changed chunk, the delta's bases (chunks of v1) and length.
    manifest2 = await controlPlane.masterManifest(master2);
    expect(manifest2.parent).toEqual({ backupImageId: backup1, manifestKey: `backups/${backup1}/manifest.json` });
    for (const ref of uniqueChunks(manifest2)) {
      if (known.has(ref.h)) expect(ref.b).toBeUndefined();
      else {
        expect(ref.b!.every((h) => known.has(h))).toBe(true);
        expect(ref.d).toBeGreaterThan(0);
      }
    }
    // Every chunk is still archived whole: the image stands on its own.
    expect(compressedSize(manifest2)).toBe(compressedSize(captured));
  });

  it('syncs the new version to a site holding the previous one for little more than what changed', async () => {
    const site = await ChunkStore.open(join(dir, 'delta-site'), 1e10);
    const report = await syncMaster(master2, site, controlPlane);
    const freshBytes = fresh.reduce((sum, c) => sum + c.c, 0);
    expect(report).toMatchObject({ downloaded: fresh.length, deltaChunks: fresh.length, deltaFallbacks: 0 });
    expect(report.downloadedBytes).toBe(report.deltaBytes);
    // 5 × 4 KiB and 64 KiB changed; the chunks they touched are several MiB compressed.
    expect(report.downloadedBytes).toBeLessThan(freshBytes / 5);
    expect(await rebuiltSha256(site, manifest2)).toBe(manifest2.partitions[0]!.streamSha256);
    expect(await rebuiltSha256(site, manifest1)).toBe(manifest1.partitions[0]!.streamSha256);
  });

  it('syncs it whole to a site without the previous version', async () => {
    const site = await ChunkStore.open(join(dir, 'delta-new-site'), 1e10);
    const report = await syncMaster(master2, site, controlPlane);
    expect(report).toMatchObject({ downloaded: report.chunks, deltaChunks: 0, deltaBytes: 0, downloadedBytes: compressedSize(manifest2) });
    expect(await rebuiltSha256(site, manifest2)).toBe(manifest2.partitions[0]!.streamSha256);
  });

  it('downloads the whole chunk when a delta in the archive is damaged or missing, and still proves every chunk', async () => {
    const [damaged, removed] = fresh;
    const original = await host.deps.archive.get(tenantId, deltaPath(damaged!.h));
    // Same length, other bytes: only decoding and the hash can tell.
    const garbage = Buffer.from(original!);
    for (let i = 0; i < garbage.length; i += 7) garbage[i]! ^= 0x5a;
    await host.deps.archive.put(tenantId, deltaPath(damaged!.h), garbage);
    await host.deps.archive.delete(tenantId, [deltaPath(removed!.h)]);

    const site = await ChunkStore.open(join(dir, 'delta-site-2'), 1e10);
    await syncMaster(master1, site, controlPlane);
    const report = await syncMaster(master2, site, controlPlane);
    expect(report).toMatchObject({ downloaded: fresh.length, deltaChunks: fresh.length - 2, deltaFallbacks: 2 });
    expect(report.downloadedBytes).toBe(report.deltaBytes + garbage.length + damaged!.c + removed!.c);
    expect(await rebuiltSha256(site, manifest2)).toBe(manifest2.partitions[0]!.streamSha256);
  });
});

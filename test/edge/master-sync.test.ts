import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressedSize, type Manifest } from '@marrow/shared';
import { ControlPlaneClient } from '../../edge/src/catalogue/control-plane-client';
import { enrol } from '../../edge/src/catalogue/enrol';
import { ChunkStore } from '../../edge/src/imagecache/chunk-store';
import { ingestStream } from '../../edge/src/imagecache/ingest-stream';
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

async function capture(store: ChunkStore, data: Buffer): Promise<Manifest> {
  const result = await ingestStream(pieces(data), store);
  return {
    schemaVersion: 1,
    tenantId,
    createdAt: new Date().toISOString(),
    machineId,
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
    const uploaded = await uploadCapture(manifest2, machineId, 'reference v2', capturing, controlPlane);
    expect(uploaded.uploadedChunks).toBeLessThanOrEqual(4);
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

  it('resumes an interrupted sync where it stopped', async () => {
    const site = await ChunkStore.open(join(dir, 'fresh-site'), 1e10);
    let allowed = 2;
    const flaky: typeof fetch = async (input, init) => {
      if (allowed-- <= 0) throw new Error('the site link dropped');
      return fetch(input, init);
    };
    await expect(syncMaster(master1, site, controlPlane, flaky)).rejects.toThrow('the site link dropped');
    const kept = manifest1.partitions[0]!.chunks.filter((c) => site.has(c.h)).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    const resumed = await syncMaster(master1, site, controlPlane);
    expect(resumed.alreadyCached).toBe(kept);
    expect(resumed.downloaded).toBe(resumed.chunks - kept);
  });
});

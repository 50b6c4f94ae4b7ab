import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compressor } from 'zstd-napi';
import { compressedSize, type ChunkRef, type Manifest } from '@marrow/shared';
import { ControlPlaneClient } from '../edge/src/catalogue/control-plane-client';
import { enrol } from '../edge/src/catalogue/enrol';
import { ZSTD_LEVEL } from '../edge/src/imagecache/chunk-codec';
import { ChunkStore } from '../edge/src/imagecache/chunk-store';
import { DEFAULT_CHUNK_LIMITS, type ChunkerLimits } from '../edge/src/imagecache/content-defined-chunker';
import { ingestStream } from '../edge/src/imagecache/ingest-stream';
import { syncMaster } from '../edge/src/imagecache/master-sync';
import { uploadCapture } from '../edge/src/imagecache/upload-capture';
import { startTestStack } from '../test/support/local-stack';
import { blockDelta } from './support/block-delta';
import { changedContent, DEFAULT_MASTER_INPUTS, missingImagingTools, ntfsMasters, partcloneHeader, partcloneStream, partcloneUsedBytes, type PartcloneHeader } from './support/ntfs-masters';

/**
 * `npm run bench -- master-sync`: what a second version of a master costs a site that holds
 * the first. A 1 GiB NTFS master (~700 MiB of a Windows-like tree, a few thousand files);
 * v2 rewrites 100 of its files in place (32 MiB in all) and adds 32 MiB of new files.
 * Each version is captured as the imaging client does (`partclone.ntfs -c -a0 -s DEVICE -o -`,
 * as edge/imaging-env/client/backup.sh runs it, into the edge's ingest), uploaded through
 * presigned URLs (`uploadCapture`: v2, a new capture of the same machine, finds v1 as its
 * parent and uploads deltas of its changed chunks against v1's) and promoted to a master on the
 * local control plane; a second site's empty cache syncs v1, then v2 (measured: chunks it can
 * rebuild from a delta against v1's chunks come as deltas, the rest whole).
 *
 * ours = bytes the v2 sync downloaded; anchor = the whole v2 image (the compressed size of
 * all its unique chunks: what a peer moves to ship it); ratio = ours / anchor, goal ≤ 0.10.
 * Also: downloaded ÷ zstd of the changed file content (the overhead of chunking and deltas),
 * and what the sync would cost without deltas (the chunks new in v2, whole).
 *
 * Needs root, loop devices, FUSE, mkntfs, ntfs-3g and partclone (test/e2e/install-packages.sh).
 * The images are cached under .cache/bench/master-sync (the first run builds them: ~30 s more).
 *
 * For investigation: MASTER_SYNC_PARTCLONE_ARGS replaces the partclone options after -c
 * (default "-a0", as the imaging client; "" keeps partclone's checksums, "-k 1" puts one after
 * every block), MASTER_SYNC_CHUNK_KIB sets the chunker's average size (minimum ÷ 4, maximum
 * × 4) and MASTER_SYNC_DELTAS=0 uploads no deltas; unset, the bench measures the client and
 * the edge as they are.
 */
const missing = missingImagingTools();
if (missing.length) {
  console.error(`master-sync needs ${missing.join(', ')} (run as root on a host with loop devices and FUSE; packages: test/e2e/install-packages.sh)`);
  process.exit(2);
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const size = (bytes: number) => (bytes < MiB ? `${(bytes / 1024).toFixed(0)} KiB` : mib(bytes));
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const benchStart = process.hrtime.bigint();
const inputs = DEFAULT_MASTER_INPUTS;
const partcloneArgs = (process.env.MASTER_SYNC_PARTCLONE_ARGS ?? '-a0').split(/\s+/).filter(Boolean);
const deltas = process.env.MASTER_SYNC_DELTAS !== '0';
const averageKiB = Number(process.env.MASTER_SYNC_CHUNK_KIB ?? 0);
const limits: ChunkerLimits = averageKiB > 0 ? { minSize: averageKiB * 256, averageSize: averageKiB * 1024, maxSize: averageKiB * 4096 } : DEFAULT_CHUNK_LIMITS;

const buildStart = process.hrtime.bigint();
const masters = await ntfsMasters(join(import.meta.dirname, '../.cache/bench/master-sync'), inputs);
const buildSeconds = since(buildStart);
console.log(`${masters.cached ? 'cached' : 'built'} masters ${masters.key} (${buildSeconds.toFixed(1)} s): v1 ${masters.changes.filesInV1} files, ${mib(masters.changes.bytesInV1)}`);

const dir = await mkdtemp(join(tmpdir(), 'marrow-master-sync-bench-'));
const { host, admin, tenantId } = await startTestStack(dir);
try {
  const general = (await admin('get', '/v1/entities')).body.items[0].id;
  const machineId = (await admin('post', '/v1/machines', { entityId: general, mac: '52:54:00:66:00:01', hostname: 'reference-pc' })).body.id as string;
  const server = await admin('post', '/v1/imaging-servers', { entityId: general, name: 'bench-edge' });
  const controlPlane = new ControlPlaneClient(await enrol(host.apiUrl, server.body.enrolmentCode));

  // The capturing site: its cache keeps v1's chunks when v2 is captured, so v2 uploads only what is new.
  const capturing = await ChunkStore.open(join(dir, 'capture-site'), Number.MAX_SAFE_INTEGER);
  const capture = async (image: string, version: string) => {
    const started = process.hrtime.bigint();
    const logFile = join(dir, `partclone-${version}.log`);
    let header: PartcloneHeader | undefined;
    const result = await ingestStream(
      tap(partcloneStream(image, masters.layout, logFile, partcloneArgs), (first) => (header = partcloneHeader(first))),
      capturing,
      { limits },
    );
    const ingestSeconds = since(started);
    const usedBytes = (await partcloneUsedBytes(logFile)) ?? result.streamBytes;
    const sizeBytes = masters.layout.size * 512;
    const manifest: Manifest = {
      schemaVersion: 1,
      tenantId,
      createdAt: new Date().toISOString(),
      machineId,
      disk: { label: 'dos', sizeBytes: sizeBytes + 2 * MiB, sectorSize: 512, partitionTable: `label: dos\nunit: sectors\n\nstart=2048, size=${masters.layout.size}, type=7\n` },
      partitions: [{ number: 1, startSector: 2048, sizeBytes, filesystem: 'ntfs', tool: 'partclone.ntfs', usedBytes, streamBytes: result.streamBytes, streamSha256: result.streamSha256, chunks: result.chunks }],
    };
    const uploadStart = process.hrtime.bigint();
    const upload = await uploadCapture(manifest, machineId, `reference ${version}`, capturing, controlPlane, fetch, {}, { deltas });
    const uploadSeconds = since(uploadStart);
    const masterId = (await admin('post', `/v1/backup-images/${upload.backupImageId}/promote`, { description: `bench ${version}` })).body.id as string;
    console.log(
      `${version}: partclone stream ${mib(result.streamBytes)} (in use ${mib(usedBytes)}), ${result.chunks.length} chunks, ingested in ${ingestSeconds.toFixed(1)} s ` +
        `(${(result.streamBytes / 1e6 / ingestSeconds).toFixed(0)} MB/s); uploaded ${upload.uploadedChunks} chunks, ${mib(upload.uploadedBytes)}` +
        (upload.parentBackupImageId
          ? ` and ${upload.uploadedDeltas} deltas against ${upload.parentBackupImageId}, ${mib(upload.uploadedDeltaBytes)} (${upload.deltaChunks} of ${upload.deltaCandidates} tried kept, made in ${upload.deltaSeconds.toFixed(1)} s)`
          : '') +
        ` in ${uploadSeconds.toFixed(1)} s; master ${masterId}`,
    );
    return { manifest, chunks: result.chunks, masterId, usedBytes, header, upload, ingestSeconds, uploadSeconds };
  };
  const v1 = await capture(masters.v1, 'v1');
  const v2 = await capture(masters.v2, 'v2');

  // The second site: empty cache, syncs v1 (not measured), then v2.
  const site = await ChunkStore.open(join(dir, 'second-site'), Number.MAX_SAFE_INTEGER);
  const first = await syncMaster(v1.masterId, site, controlPlane);
  console.log(`second site, v1: ${first.downloaded} chunks, ${mib(first.downloadedBytes)}`);
  const syncStart = process.hrtime.bigint();
  const report = await syncMaster(v2.masterId, site, controlPlane);
  const syncSeconds = since(syncStart);

  const whole = compressedSize(v2.manifest);
  const ours = report.downloadedBytes;
  const v1Hashes = new Set(v1.chunks.map((c) => c.h));
  const fresh = unique(v2.chunks).filter((c) => !v1Hashes.has(c.h));
  const freshRaw = fresh.reduce((a, c) => a + c.n, 0);
  // Without deltas the sync downloads exactly the chunks new in v2, whole.
  const freshCompressed = fresh.reduce((a, c) => a + c.c, 0);
  const fullChunks = report.downloaded - report.deltaChunks;

  // The changed content itself, compressed as the chunk codec would (one zstd stream, same level).
  const changed = await changedContent(masters);
  const compressor = new Compressor();
  compressor.setParameters({ compressionLevel: ZSTD_LEVEL });
  const changedCompressed = compressor.compress(changed).length;
  // The floor under any chunking: every 4 KiB block of v2 that differs from v1 (file data, MFT
  // records, directory indexes, bitmaps), and nothing else.
  const delta = await blockDelta(masters.v1, masters.v2);
  const deltaCompressed = compressor.compress(delta.changed).length;

  // A partclone stream interleaves a checksum with every N used blocks, counted from the
  // first: blocks inserted anywhere (new files in free gaps, a grown MFT) regroup every
  // checksum after them, and so change every chunk after them (see docs/benchmarks.md).
  const h = v2.header;
  const checksums = !h ? 'not a partclone 0002 stream' : h.checksumMode === 0 ? 'no checksums' : `a ${h.checksumSize}-byte checksum after every ${h.blocksPerChecksum} used blocks of ${h.blockSize} bytes${h.reseedChecksum ? ' (reseeded)' : ''}`;
  const newBlocks = (h?.usedBlocks ?? 0) - (v1.header?.usedBlocks ?? 0);
  console.log(`partclone stream: ${checksums}; v2 uses ${newBlocks} more blocks than v1; ${report.alreadyCached} of v2's ${report.chunks} chunks were already at the site`);
  console.log(
    `floors: the changed content alone is ${(changedCompressed / whole).toFixed(3)} of the image; ` +
      `every changed ${delta.blockSize / 1024} KiB block of the filesystem (${delta.changedBlocks}, ${mib(delta.changed.length)}, zstd-${ZSTD_LEVEL} ${mib(deltaCompressed)}) is ${(deltaCompressed / whole).toFixed(3)}`,
  );
  const sizes = v2.chunks.map((c) => c.n).sort((a, b) => a - b);
  const modifiedBytes = masters.changes.modified.reduce((a, r) => a + r.length, 0);
  const addedBytes = masters.changes.added.reduce((a, r) => a + r.length, 0);
  const ratio = ours / whole;
  console.log(
    `v2 sync: ${report.downloaded} of ${report.chunks} chunks fetched (${mib(freshRaw)} before compression): ${report.deltaChunks} rebuilt from deltas (${mib(report.deltaBytes)}), ` +
      `${fullChunks} whole (${report.deltaFallbacks} after a delta failed), ${mib(ours)} in ${syncSeconds.toFixed(1)} s; ` +
      `whole v2 image ${mib(whole)} (${report.chunks} unique chunks) → ratio ${ratio.toFixed(3)} (goal ≤ 0.10); without deltas ${mib(freshCompressed)}, ratio ${(freshCompressed / whole).toFixed(3)}`,
  );
  console.log(
    `changed content: ${masters.changes.modified.length} files rewritten (${mib(modifiedBytes)}) + ${masters.changes.added.length} new files (${mib(addedBytes)}) = ${mib(changed.length)}, ` +
      `zstd-${ZSTD_LEVEL} ${mib(changedCompressed)} → overhead ${(ours / changedCompressed).toFixed(2)} × (chunks alone ${(freshCompressed / changedCompressed).toFixed(2)} ×)`,
  );
  console.log(
    `v2 chunks: ${sizes.length}, median ${size(sizes[Math.floor(sizes.length / 2)]!)}, mean ${size(v2.manifest.partitions[0]!.streamBytes / sizes.length)}, ` +
      `min ${size(sizes[0]!)}, max ${size(sizes.at(-1)!)} (limits ${limits.minSize / 1024} KiB / ${limits.averageSize / 1024} KiB / ${limits.maxSize / 1024} KiB)`,
  );
  console.log(`total ${since(benchStart).toFixed(0)} s (masters ${masters.cached ? 'from the cache' : 'built'} in ${buildSeconds.toFixed(0)} s)`);
  console.log(
    JSON.stringify({
      bench: 'master-sync',
      ours,
      anchor: whole,
      ratio: Number(ratio.toFixed(4)),
      unit: 'bytes',
      goal: '≤ 0.10',
      chunking_overhead: Number((ours / changedCompressed).toFixed(3)),
      changed_bytes: changed.length,
      changed_compressed_bytes: changedCompressed,
      changed_blocks: delta.changedBlocks,
      changed_blocks_compressed_bytes: deltaCompressed,
      ratio_floor_content: Number((changedCompressed / whole).toFixed(4)),
      ratio_floor_blocks: Number((deltaCompressed / whole).toFixed(4)),
      ratio_without_deltas: Number((freshCompressed / whole).toFixed(4)),
      chunks_downloaded: report.downloaded,
      delta_chunks: report.deltaChunks,
      full_chunks: fullChunks,
      delta_bytes: report.deltaBytes,
      delta_fallbacks: report.deltaFallbacks,
      chunks_total: report.chunks,
      downloaded_raw_bytes: freshRaw,
      v2_stream_bytes: v2.manifest.partitions[0]!.streamBytes,
      v2_used_bytes: v2.usedBytes,
      files_modified: masters.changes.modified.length,
      files_added: masters.changes.added.length,
      files_in_v1: masters.changes.filesInV1,
      chunk_limits: limits,
      partclone_args: ['-c', ...partcloneArgs].join(' '),
      deltas,
      v2_ingest_seconds: Number(v2.ingestSeconds.toFixed(2)),
      v2_ingest_mbps: Number((v2.manifest.partitions[0]!.streamBytes / 1e6 / v2.ingestSeconds).toFixed(1)),
      v2_upload_seconds: Number(v2.uploadSeconds.toFixed(2)),
      v2_upload_chunk_bytes: v2.upload.uploadedBytes,
      v2_deltas_tried: v2.upload.deltaCandidates,
      v2_deltas_kept: v2.upload.deltaChunks,
      v2_delta_archive_bytes: v2.upload.uploadedDeltaBytes,
      v2_delta_make_seconds: Number(v2.upload.deltaSeconds.toFixed(2)),
      partclone_blocks_per_checksum: h?.checksumMode ? h.blocksPerChecksum : 0,
      zstd_level: ZSTD_LEVEL,
      sync_seconds: Number(syncSeconds.toFixed(2)),
      masters_cached: masters.cached,
      seconds: Number(since(benchStart).toFixed(1)),
    }),
  );
} finally {
  await host.close();
  await rm(dir, { recursive: true, force: true });
}

async function* tap(source: AsyncIterable<Buffer>, onFirst: (first: Buffer) => void): AsyncGenerator<Buffer> {
  let first = true;
  for await (const piece of source) {
    if (first) onFirst(piece);
    first = false;
    yield piece;
  }
}

function unique(chunks: readonly ChunkRef[]): ChunkRef[] {
  return [...new Map(chunks.map((c) => [c.h, c])).values()];
}

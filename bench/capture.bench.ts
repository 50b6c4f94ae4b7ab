import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkStore } from '../edge/src/imagecache/chunk-store';
import { ingestStream } from '../edge/src/imagecache/ingest-stream';
import { mixedDiskData } from './support/mixed-disk-data';

/**
 * `npm run bench -- capture`: capture ingest on one core — content-defined chunking, SHA-256,
 * zstd-3 and the crash-safe write of each new chunk — against the wire it must keep up with.
 * The anchor is 1 GbE's TCP goodput, 117 MB/s (what a capture can deliver to the edge at
 * most on a gigabit site), a fixed figure: the wire cannot be measured on loopback.
 */
const SIZE = Number(process.env.CAPTURE_BYTES ?? 512 * 1024 * 1024);
const RUNS = Number(process.env.CAPTURE_RUNS ?? 3);
const WIRE_MBPS = 117;

async function* pieces(data: Buffer, size = 4 << 20): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

const data = mixedDiskData(SIZE);
const results: number[] = [];
let ratio = 0;
for (let run = 1; run <= RUNS; run++) {
  const root = await mkdtemp(join(tmpdir(), 'marrow-capture-bench-'));
  try {
    const store = await ChunkStore.open(root, Number.MAX_SAFE_INTEGER);
    const started = process.hrtime.bigint();
    const result = await ingestStream(pieces(data), store);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const mbps = SIZE / 1e6 / seconds;
    results.push(mbps);
    ratio = result.newCompressedBytes / SIZE;
    console.log(`run ${run}: ${mbps.toFixed(1)} MB/s, ${result.chunks.length} chunks, compressed to ${(ratio * 100).toFixed(1)} %`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
const median = results.sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
console.log(`median ${median.toFixed(1)} MB/s over ${RUNS} runs of ${(SIZE / 1048576).toFixed(0)} MiB of mixed disk data; wire (1 GbE goodput) ${WIRE_MBPS} MB/s`);
console.log(
  JSON.stringify({
    bench: 'capture',
    ours: Number(median.toFixed(1)),
    anchor: WIRE_MBPS,
    ratio: Number((median / WIRE_MBPS).toFixed(2)),
    unit: 'MB/s',
    goal: '>= 117 MB/s (ratio >= 1.0)',
    runs: RUNS,
    bytes: SIZE,
    compressed_fraction: Number(ratio.toFixed(3)),
  }),
);

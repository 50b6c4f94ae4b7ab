import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Compressor } from 'zstd-napi';
import { MAX_DELTA_BASES, type ChunkRef } from '@marrow/shared';
import { ChunkDecoder, ChunkVerificationError, ZSTD_LEVEL } from './chunk-codec';
import type { ChunkStore } from './chunk-store';

// zstd's own contexts (a single-pass decode into a buffer of the expected size); the binding is
// CommonJS without static exports, so it is required rather than imported by name.
const { DCtx } = createRequire(import.meta.url)('zstd-napi/binding') as typeof import('zstd-napi/binding');

/**
 * Chunk deltas: a chunk that is new in a capture, compressed with zstd against the chunks it
 * most likely replaces ("bases": chunks of the same partition of the machine's previous
 * image, which a site holding that image already has) used as a raw-content dictionary —
 * zstd's "patch-from". A site holding the bases downloads the delta instead of the chunk,
 * rebuilds the chunk and proves it (length and SHA-256) like any other. A few changed 4 KiB
 * blocks in a 2 MiB chunk then cost a few KiB instead of the whole compressed chunk.
 *
 * The dictionary is DICTIONARY_PREFIX followed by the bases' uncompressed bytes, in the order
 * the manifest lists them. The prefix makes zstd always read it as raw content (a base that
 * happened to start with zstd's dictionary magic would otherwise be parsed as a trained
 * dictionary) and names the format.
 */
const DICTIONARY_PREFIX = Buffer.from('marrow-delta-1\n\0', 'latin1');

/**
 * The most base bytes one delta may use. zstd's dfast match finder indexes a dictionary of up
 * to 2^24 bytes (its dictionary tables tag the low bits of each index) and keeps only the
 * suffix of a larger one, so the dictionary stays below that.
 */
export const MAX_DELTA_BASE_BYTES = (1 << 24) - (64 << 10);
/**
 * A delta is worth keeping (uploading, naming in the manifest) when it is at most this share
 * of the chunk's normal compressed size: a delta of a chunk that is mostly new content saves
 * too little to be worth an extra object and a second download path.
 */
export const DELTA_WORTH_RATIO = 0.8;

/** The dictionary of a delta: the prefix, then the bases' bytes. */
function dictionary(bases: readonly Uint8Array[]): Buffer {
  return Buffer.concat([DICTIONARY_PREFIX, ...bases]);
}

function baseBytes(bases: readonly Uint8Array[]): number {
  return bases.reduce((sum, base) => sum + base.length, 0);
}

/** zstd level 3's strategy (dfast), with the window and tables sized to reach the whole dictionary. */
function deltaParameters(dictionaryBytes: number, chunkBytes: number) {
  const log2 = (bytes: number) => Math.ceil(Math.log2(Math.max(2, bytes)));
  // The window covers dictionary and chunk, so a match may reach back to the dictionary's first byte.
  const windowLog = Math.min(27, Math.max(20, log2(dictionaryBytes + chunkBytes)));
  // zstd indexes only the last 2^max(hashLog + 3, chainLog + 1) bytes of a dictionary (level 3's
  // own tables, 2^17 and 2^16, reach 1 MiB): the long-match table is sized to reach all of it.
  // Larger tables found no more matches on the master-sync bench's NTFS masters, only took longer.
  const hashLog = Math.max(17, log2(dictionaryBytes) - 3);
  const chainLog = Math.max(16, log2(dictionaryBytes) - 6);
  return { compressionLevel: ZSTD_LEVEL, strategy: 'dfast' as const, windowLog, hashLog, chainLog, contentSizeFlag: true, checksumFlag: false };
}

export type DeltaParameters = ReturnType<typeof deltaParameters>;

/** What making one delta takes: the chunk, its dictionary (prefix + bases) and zstd's parameters. */
export interface DeltaJob {
  readonly chunk: Uint8Array;
  readonly dictionary: Buffer;
  readonly parameters: DeltaParameters;
}

/** The job of the delta of `chunk` against `bases` (their uncompressed bytes, in manifest order); throws when they are out of bounds. */
export function deltaJob(chunk: Uint8Array, bases: readonly Uint8Array[]): DeltaJob {
  if (!bases.length) throw new Error('a delta needs at least one base');
  if (bases.length > MAX_DELTA_BASES || baseBytes(bases) > MAX_DELTA_BASE_BYTES) throw new Error(`too many base bytes for a delta (${bases.length} bases, ${baseBytes(bases)} bytes)`);
  const dict = dictionary(bases);
  return { chunk, dictionary: dict, parameters: deltaParameters(dict.length, chunk.length) };
}

/**
 * Compresses chunks against their bases on the calling thread; one per worker (zstd contexts
 * are reused, not thread-safe). The edge makes its deltas on a thread of their own
 * (chunk-delta-thread.ts, the same steps): a delta takes 40–90 ms of CPU.
 */
export class ChunkDeltaEncoder {
  private readonly compressor = new Compressor();

  /** The delta of `chunk` against `bases` (their uncompressed bytes, in manifest order). */
  encode(chunk: Uint8Array, bases: readonly Uint8Array[]): Buffer {
    const job = deltaJob(chunk, bases);
    // setParameters drops the previous dictionary; parameters must be set before loading one.
    this.compressor.setParameters(job.parameters);
    this.compressor.loadDictionary(job.dictionary);
    try {
      return this.compressor.compress(chunk);
    } finally {
      // Let the dictionary (and zstd's tables for it) go now, not when the next delta is made.
      this.compressor.loadDictionary(Buffer.alloc(0));
    }
  }
}

/** Rebuilds chunks from deltas and proves each is the chunk asked for (length and SHA-256). */
export class ChunkDeltaDecoder {
  private readonly dctx = new DCtx();

  /** The chunk `ref` rebuilt from `delta` and its bases (uncompressed, in the order `ref.b` names them); throws ChunkVerificationError when it is not that chunk. */
  decode(ref: ChunkRef, delta: Uint8Array, bases: readonly Uint8Array[]): Buffer {
    if (!bases.length || bases.length > MAX_DELTA_BASES || baseBytes(bases) > MAX_DELTA_BASE_BYTES) throw new ChunkVerificationError(`chunk ${ref.h}: a delta needs 1 to ${MAX_DELTA_BASES} bases of at most ${MAX_DELTA_BASE_BYTES} bytes`);
    // Decoded into a buffer of the expected length: a delta claiming more bytes fails here
    // instead of making us allocate what it says.
    const data = Buffer.allocUnsafe(ref.n);
    let length: number;
    try {
      length = this.dctx.decompressUsingDict(data, delta, dictionary(bases));
    } catch (error) {
      throw new ChunkVerificationError(`chunk ${ref.h}: its delta does not decompress: ${(error as Error).message}`);
    }
    if (length !== ref.n) throw new ChunkVerificationError(`chunk ${ref.h}: its delta gives ${length} bytes, expected ${ref.n}`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== ref.h) throw new ChunkVerificationError(`chunk ${ref.h}: its delta does not rebuild it (got ${actual})`);
    return data;
  }
}

/**
 * Which chunks of the parent image each new chunk of a partition stream is most likely a new
 * version of: chunk hash → base hashes, in the order the delta uses them.
 *
 * A partclone stream is the partition's used blocks in order, so a version of the same
 * filesystem lines up with its parent except where blocks were added or freed: the stream
 * shifts there, by up to the volume's whole change (tens of MiB for an update). The chunks the
 * two streams share ("anchors": a hash found exactly once in the parent) say by how much
 * at their position. A new chunk maps to the parent's stream at the shift interpolated
 * between the anchors before and after it (the stream's start, and its end, count as anchors),
 * and takes the parent chunks overlapping that range, widened by one neighbour on each side
 * to absorb what the interpolation misses; the farthest go first when they exceed
 * MAX_DELTA_BASE_BYTES or MAX_DELTA_BASES. With no chunk in common, the two streams are
 * simply laid end to end onto each other (the same offsets when they are as long).
 *
 * On the master-sync bench (v2 of a 1 GiB NTFS master: 100 files rewritten, 32 MiB of new files
 * in free gaps, the stream shifted by up to 33 MiB) bases at the same offsets gave a delta
 * worth keeping for 23 of 176 new chunks (sync ratio ~0.58); following the anchors, 175 (0.089).
 */
export function planDeltaBases(stream: readonly ChunkRef[], parent: readonly ChunkRef[], limits = { maxBytes: MAX_DELTA_BASE_BYTES, maxBases: MAX_DELTA_BASES }): Map<string, string[]> {
  const plan = new Map<string, string[]>();
  if (!stream.length || !parent.length) return plan;
  const parentStarts = offsets(parent);
  const parentLength = parentStarts[parent.length]!;
  const streamStarts = offsets(stream);
  const streamLength = streamStarts[stream.length]!;
  const inParent = new Map<string, number>();
  parent.forEach((chunk, j) => inParent.set(chunk.h, inParent.has(chunk.h) ? -1 : j));

  // Anchors: a stretch [start, end) of the stream and its shift to the parent's stream; the streams' ends line up too.
  const anchors: { end: number; start: number; shift: number }[] = [{ end: 0, start: 0, shift: 0 }];
  stream.forEach((chunk, i) => {
    const j = inParent.get(chunk.h);
    if (j !== undefined && j >= 0) anchors.push({ start: streamStarts[i]!, end: streamStarts[i + 1]!, shift: parentStarts[j]! - streamStarts[i]! });
  });
  anchors.push({ start: streamLength, end: streamLength, shift: parentLength - streamLength });

  let next = 1; // the first anchor starting at or after the current chunk
  stream.forEach((chunk, i) => {
    const start = streamStarts[i]!;
    const end = streamStarts[i + 1]!;
    while (next < anchors.length - 1 && anchors[next]!.start < end) next++;
    if (inParent.has(chunk.h) || plan.has(chunk.h)) return;
    let previous = next - 1;
    while (previous > 0 && anchors[previous]!.end > start) previous--;
    const before = anchors[previous]!;
    const after = anchors[next]!;
    const shiftAt = (position: number) => {
      const span = after.start - before.end;
      if (span <= 0) return before.shift;
      const t = Math.min(1, Math.max(0, (position - before.end) / span));
      return before.shift + (after.shift - before.shift) * t;
    };
    const from = Math.max(0, start + shiftAt(start));
    const to = Math.min(parentLength, end + shiftAt(end));
    const bases = basesFor(parent, parentStarts, from, Math.max(from + 1, to), chunk.h, limits);
    if (bases.length) plan.set(chunk.h, bases);
  });
  return plan;
}

function offsets(chunks: readonly ChunkRef[]): number[] {
  const starts = [0];
  for (const chunk of chunks) starts.push(starts.at(-1)! + chunk.n);
  return starts;
}

/** The parent chunks overlapping [from, to), one neighbour more each side, trimmed from the far end to the limits. */
function basesFor(parent: readonly ChunkRef[], starts: readonly number[], from: number, to: number, own: string, limits: { maxBytes: number; maxBases: number }): string[] {
  // The first chunk ending after `from`, and the last one starting before `to` (binary searches).
  const first = Math.min(parent.length - 1, lowerBound(starts, from + 1) - 1);
  const last = Math.max(first, Math.min(parent.length - 1, lowerBound(starts, to) - 1));
  let lo = Math.max(0, first - 1);
  let hi = Math.min(parent.length - 1, last + 1);
  const centre = (from + to) / 2;
  const distance = (j: number) => Math.abs((starts[j]! + starts[j + 1]!) / 2 - centre);
  const pick = () => {
    const seen = new Set<string>();
    let bytes = 0;
    for (let j = lo; j <= hi; j++) {
      const { h, n } = parent[j]!;
      if (h === own || seen.has(h)) continue;
      seen.add(h);
      bytes += n;
    }
    return { hashes: [...seen], bytes };
  };
  let chosen = pick();
  while ((chosen.bytes > limits.maxBytes || chosen.hashes.length > limits.maxBases) && lo < hi) {
    if (distance(lo) >= distance(hi)) lo++;
    else hi--;
    chosen = pick();
  }
  return chosen.bytes <= limits.maxBytes ? chosen.hashes : [];
}

/** The first index whose value is ≥ `value` in a sorted array. */
function lowerBound(values: readonly number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The uncompressed bytes of chunks the cache holds, each proven by its name (SHA-256), keeping
 * the last few: neighbouring new chunks share most of their bases. Shared by concurrent
 * callers (a chunk being loaded for one is not loaded again for another).
 */
export class DecodedChunks {
  private readonly decoder = new ChunkDecoder();
  private readonly kept = new Map<string, Buffer>();
  private readonly loading = new Map<string, Promise<Buffer | undefined>>();
  private keptBytes = 0;

  constructor(
    private readonly store: ChunkStore,
    private readonly maxBytes = 3 * MAX_DELTA_BASE_BYTES,
  ) {}

  /** The chunks' bytes in order, or undefined when the cache lacks one (a damaged one is removed from it). */
  async get(hashes: readonly string[]): Promise<Buffer[] | undefined> {
    const out: Buffer[] = [];
    for (const hash of hashes) {
      const data = await this.one(hash);
      if (!data) return undefined;
      out.push(data);
    }
    return out;
  }

  private async one(hash: string): Promise<Buffer | undefined> {
    const kept = this.kept.get(hash);
    if (kept) {
      this.kept.delete(hash); // most recently used last
      this.kept.set(hash, kept);
      return kept;
    }
    let load = this.loading.get(hash);
    if (!load) {
      load = this.load(hash).finally(() => this.loading.delete(hash));
      this.loading.set(hash, load);
    }
    return load;
  }

  private async load(hash: string): Promise<Buffer | undefined> {
    const compressed = await this.store.get(hash);
    if (!compressed) return undefined;
    let data: Buffer;
    try {
      data = this.decoder.decodeNamed(hash, compressed);
    } catch (error) {
      if (!(error instanceof ChunkVerificationError)) throw error;
      await this.store.remove(hash);
      return undefined;
    }
    if (!this.kept.has(hash)) {
      this.kept.set(hash, data);
      this.keptBytes += data.length;
    }
    for (const [old, bytes] of this.kept) {
      if (this.keptBytes <= this.maxBytes || old === hash) break;
      this.kept.delete(old);
      this.keptBytes -= bytes.length;
    }
    return data;
  }
}

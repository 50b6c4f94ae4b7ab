import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkPath, type ChunkRef } from '@marrow/shared';
import { ChunkEncoder, ChunkVerificationError } from './chunk-codec';
import { ChunkDecodePool, type ChunkVerifier } from './chunk-decode-pool';
import { ChunkStore } from './chunk-store';
import { ingestStream } from './ingest-stream';
import { rebuildStream } from './rebuild-stream';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuild-stream-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const pool = new ChunkDecodePool({ threads: 2 });
afterAll(() => pool.close());

async function* pieces(data: Buffer, size = 1 << 20): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/** Small chunks (64 KiB average): many of them in a few MiB. */
const limits = { minSize: 16 << 10, averageSize: 64 << 10, maxSize: 256 << 10 };

async function cached(data: Buffer, name = 'cache') {
  const store = await ChunkStore.open(join(root, name), 1e10);
  const { chunks } = await ingestStream(pieces(data), store, { limits });
  return { store, chunks };
}

const file = (store: ChunkStore, ref: ChunkRef) => join(store.root, chunkPath(ref.h));

/** What a stream sent before it stopped, and why it stopped. */
async function drain(stream: AsyncIterable<Buffer>, recycle?: (b: Buffer) => void): Promise<{ sent: Buffer; error?: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) {
      parts.push(Buffer.from(part));
      recycle?.(part);
    }
    return { sent: Buffer.concat(parts) };
  } catch (error) {
    return { sent: Buffer.concat(parts), error };
  }
}

describe.each<[string, ChunkVerifier | undefined]>([
  ['on decode threads', pool],
  ['on the event loop', undefined],
])('rebuildStream %s', (_, verifier) => {
  const recycle = verifier?.recycle?.bind(verifier);

  it('rebuilds the exact stream, in order, with several chunks in flight', async () => {
    const data = Buffer.concat([randomBytes(3 << 20), Buffer.alloc(1 << 20), randomBytes(2 << 20)]);
    const { store, chunks } = await cached(data);
    expect(chunks.length).toBeGreaterThan(20);
    for (const ahead of [1, 3, 8]) {
      const { sent, error } = await drain(rebuildStream(chunks, store, undefined, { verifier, ahead }), recycle);
      expect(error).toBeUndefined();
      expect(sent.equals(data)).toBe(true);
    }
  });

  it('refetches a damaged cached chunk, caches the good copy, and never sends the damaged bytes', async () => {
    const data = randomBytes(4 << 20);
    const { store, chunks } = await cached(data);
    const cloud = await cached(data, 'cloud');
    const victim = chunks[5]!;
    const good = await readFile(file(store, victim));
    // Another valid chunk's bytes under this one's name: decompresses, wrong hash.
    await writeFile(file(store, victim), new ChunkEncoder().encode(randomBytes(victim.n)).compressed);
    const fetched: string[] = [];
    const fetcher = async (ref: ChunkRef) => {
      fetched.push(ref.h);
      return (await cloud.store.get(ref.h))!;
    };
    const { sent, error } = await drain(rebuildStream(chunks, store, fetcher, { verifier }), recycle);
    expect(error).toBeUndefined();
    expect(sent.equals(data)).toBe(true);
    expect(fetched).toEqual([victim.h]);
    expect((await readFile(file(store, victim))).equals(good)).toBe(true);

    // Without a way to fetch it, the stream stops right before that chunk.
    await writeFile(file(store, victim), Buffer.from('truncated'));
    const offset = chunks.slice(0, 5).reduce((sum, c) => sum + c.n, 0);
    const refused = await drain(rebuildStream(chunks, store, undefined, { verifier }), recycle);
    expect(refused.error).toBeInstanceOf(ChunkVerificationError);
    expect(String(refused.error)).toMatch(/does not decompress/);
    expect(refused.sent.equals(data.subarray(0, offset))).toBe(true);
  });

  it('fetches a chunk gone from the disk; into a cold cache, in stream order and each chunk once; refuses a corrupted download', async () => {
    const data = randomBytes(2 << 20);
    const { store, chunks } = await cached(data);
    const cloud = await cached(data, 'cloud');
    const gone = chunks[2]!;
    await rm(file(store, gone)); // behind the index's back
    const fetched: string[] = [];
    const stream = rebuildStream(chunks, store, async (ref) => {
      fetched.push(ref.h);
      return (await cloud.store.get(ref.h))!;
    }, { verifier });
    const rebuilt = await drain(stream, recycle);
    expect(rebuilt.sent.equals(data)).toBe(true);
    expect(fetched).toEqual([gone.h]);
    expect(store.has(gone.h)).toBe(true);

    // Into a cold cache: fetched in stream order, a chunk repeated among those in flight once.
    const zeros = Buffer.concat([randomBytes(300_000), Buffer.alloc(2 << 20), randomBytes(300_000)]);
    const repeated = await cached(zeros, 'cloud2');
    const unique = [...new Set(repeated.chunks.map((c) => c.h))];
    expect(unique.length).toBeLessThan(repeated.chunks.length - 2);
    const cold = await ChunkStore.open(join(root, 'cold'), 1e10);
    const downloaded: string[] = [];
    const fromCold = await drain(rebuildStream(repeated.chunks, cold, async (ref) => {
      downloaded.push(ref.h);
      return (await repeated.store.get(ref.h))!;
    }, { verifier, ahead: 4 }), recycle);
    expect(fromCold.sent.equals(zeros)).toBe(true);
    expect(downloaded).toEqual(unique);

    const empty = await ChunkStore.open(join(root, 'empty'), 1e10);
    const corrupt = async (ref: ChunkRef) => new ChunkEncoder().encode(Buffer.alloc(ref.n, 1)).compressed;
    const refused = await drain(rebuildStream(chunks, empty, corrupt, { verifier }), recycle);
    expect(String(refused.error)).toMatch(/does not match its hash/);
    expect(refused.sent.length).toBe(0);
    expect(empty.usedBytes).toBe(0);
  });
});

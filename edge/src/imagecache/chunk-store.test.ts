import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkPath, type ChunkRef } from '@marrow/shared';
import { ChunkEncoder } from './chunk-codec';
import { ChunkStore } from './chunk-store';
import { ingestStream } from './ingest-stream';
import { rebuildStream } from './rebuild-stream';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'chunk-store-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function* pieces(data: Buffer, size = 1 << 20): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

describe('ChunkStore', () => {
  it('keeps chunks across reopening and removes leftovers of interrupted writes', async () => {
    const store = await ChunkStore.open(root, 1e9);
    const { ref, compressed } = new ChunkEncoder().encode(randomBytes(1000));
    expect(await store.put(ref.h, compressed)).toBe(true);
    expect(await store.put(ref.h, compressed)).toBe(false);
    await writeFile(join(root, chunkPath(ref.h)) + '.abcd.tmp', 'half a chunk');
    const reopened = await ChunkStore.open(root, 1e9);
    expect(reopened.has(ref.h)).toBe(true);
    expect(reopened.usedBytes).toBe(compressed.length);
    expect(await readdir(join(root, 'chunks', ref.h.slice(0, 2)))).toEqual([ref.h]);
  });

  it('shares its directory with another process: adopts its chunks, and can leave its temporary files alone', async () => {
    const edge = await ChunkStore.open(root, 1e9);
    const importer = await ChunkStore.open(root, 1e9, { removeLeftovers: false });
    const { ref, compressed } = new ChunkEncoder().encode(randomBytes(1000));
    const inFlight = join(root, chunkPath('b'.repeat(64))) + '.abcd.tmp';
    await mkdir(dirname(inFlight), { recursive: true });
    await writeFile(inFlight, 'a write of the running edge');
    expect(await importer.put(ref.h, compressed)).toBe(true);
    expect(await ChunkStore.open(root, 1e9, { removeLeftovers: false }).then(() => readdir(dirname(inFlight)))).toContain(basename(inFlight));
    // The running edge never indexed it, yet finds it on disk instead of downloading it again.
    expect(edge.has(ref.h)).toBe(false);
    expect(await edge.adopt(ref.h)).toBe(true);
    expect(edge.has(ref.h)).toBe(true);
    expect(edge.usedBytes).toBe(compressed.length);
    expect(await edge.adopt('c'.repeat(64))).toBe(false);
    const other = new ChunkEncoder().encode(randomBytes(500));
    await importer.put(other.ref.h, other.compressed);
    expect((await edge.get(other.ref.h))?.equals(other.compressed)).toBe(true);
  });

  it('evicts the least recently used chunks beyond its quota, never pinned ones', async () => {
    const encoder = new ChunkEncoder();
    const chunks = Array.from({ length: 5 }, () => encoder.encode(randomBytes(10_000))); // incompressible: ~10 kB each
    const store = await ChunkStore.open(root, 35_000);
    const [a, b, c, d, e] = chunks as [typeof chunks[0], typeof chunks[0], typeof chunks[0], typeof chunks[0], typeof chunks[0]];
    const release = store.pin([a.ref.h]);
    for (const chunk of [a, b, c]) await store.put(chunk.ref.h, chunk.compressed);
    await store.get(b.ref.h); // b is now more recent than c
    await store.put(d.ref.h, d.compressed);
    expect([a, b, c, d].map((x) => store.has(x.ref.h))).toEqual([true, true, false, true]);
    release();
    await store.put(e.ref.h, e.compressed);
    expect(store.has(a.ref.h)).toBe(false);
    expect(store.usedBytes).toBeLessThanOrEqual(35_000);
  });
});

describe('capture intake and deploy streaming', () => {
  it('rebuilds the exact stream from its chunks, and a second capture of similar data adds few chunks', async () => {
    const store = await ChunkStore.open(root, 1e10);
    const data = Buffer.concat([randomBytes(10 << 20), Buffer.alloc(6 << 20), randomBytes(6 << 20)]);
    const first = await ingestStream(pieces(data), store);
    expect(first.streamBytes).toBe(data.length);
    expect(first.newChunks.length).toBe(new Set(first.chunks.map((c) => c.h)).size);
    expect((await collect(rebuildStream(first.chunks, store))).equals(data)).toBe(true);

    const changed = Buffer.from(data);
    randomBytes(4096).copy(changed, 15 << 20);
    const second = await ingestStream(pieces(changed, 777_777), store);
    expect(second.newChunks.length).toBeLessThanOrEqual(2);
    expect(second.newCompressedBytes).toBeLessThan(first.newCompressedBytes / 4);
    expect((await collect(rebuildStream(second.chunks, store))).equals(changed)).toBe(true);
  });

  it('fetches missing chunks, verifies them, and refuses a corrupted one', async () => {
    const source = await ChunkStore.open(join(root, 'cloud'), 1e10);
    const data = randomBytes(5 << 20);
    const { chunks } = await ingestStream(pieces(data), source);
    const edge = await ChunkStore.open(join(root, 'edge'), 1e10);
    const fetched: string[] = [];
    const fetcher = async (ref: ChunkRef) => {
      fetched.push(ref.h);
      return (await source.get(ref.h))!;
    };
    expect((await collect(rebuildStream(chunks, edge, fetcher))).equals(data)).toBe(true);
    expect(fetched).toEqual(chunks.map((c) => c.h));
    expect(chunks.every((c) => edge.has(c.h))).toBe(true);

    const empty = await ChunkStore.open(join(root, 'edge2'), 1e10);
    const corrupt = async (ref: ChunkRef) => new ChunkEncoder().encode(Buffer.alloc(ref.n, 1)).compressed;
    await expect(collect(rebuildStream(chunks, empty, corrupt))).rejects.toThrow(/does not match its hash/);
    expect(empty.usedBytes).toBe(0);
  });
});

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChunkDecoder, ChunkEncoder, ChunkVerificationError } from './chunk-codec';
import { ChunkDecodePool } from './chunk-decode-pool';

let root: string;
let pool: ChunkDecodePool;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'decode-pool-'));
  pool = new ChunkDecodePool({ threads: 2 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await pool.close();
  await rm(root, { recursive: true, force: true });
});

const encoder = new ChunkEncoder();
const mixed = (size: number) => Buffer.concat([randomBytes(size >> 1), Buffer.alloc(size - (size >> 1), 7)]);

describe('ChunkDecodePool', () => {
  it('decodes chunks on worker threads, from bytes and from cache files, like ChunkDecoder', async () => {
    const chunks = [mixed(3 << 20), mixed(700_000), Buffer.alloc(0), randomBytes(100)].map((data) => ({ data, ...encoder.encode(data) }));
    for (const { data, ref, compressed } of chunks) {
      const kept = Buffer.from(compressed);
      expect((await pool.decode(ref, compressed)).equals(data)).toBe(true);
      expect(compressed.equals(kept)).toBe(true); // the caller's bytes stay the caller's
      const file = join(root, ref.h);
      await writeFile(file, compressed);
      const fromFile = (await pool.decodeFile(ref, file))!;
      expect(fromFile.equals(new ChunkDecoder().decode(ref, compressed))).toBe(true);
    }
    expect(await pool.decodeFile(chunks[0]!.ref, join(root, 'no-such-chunk'))).toBeUndefined();
    const decodes = await Promise.all(chunks.map(({ ref, compressed }) => pool.decode(ref, compressed)));
    expect(decodes.every((data, i) => data.equals(chunks[i]!.data))).toBe(true);
    expect(pool.runningThreads).toBe(2); // the second only once the first had work
  });

  it('refuses a chunk that is not the one asked for: other content, other length, not zstd, too big a file', async () => {
    const data = mixed(1 << 20);
    const { ref, compressed } = encoder.encode(data);
    const other = encoder.encode(Buffer.alloc(ref.n, 1)).compressed;
    const longer = encoder.encode(Buffer.concat([data, Buffer.from('x')])).compressed;
    const shorter = encoder.encode(data.subarray(1)).compressed;
    const flipped = Buffer.from(compressed);
    flipped[flipped.length >> 1]! ^= 0xff;
    const cases: [Uint8Array, RegExp][] = [
      [other, /does not match its hash/],
      [longer, /has 1048577 bytes, expected 1048576/],
      [shorter, /has 1048575 bytes, expected 1048576/],
      [flipped, /does not (decompress|match its hash)/],
      [Buffer.from('not zstd at all'), /does not decompress/],
      [compressed.subarray(0, compressed.length - 10), /does not decompress/],
    ];
    for (const [bytes, message] of cases) {
      await expect(pool.decode(ref, bytes)).rejects.toThrow(message);
      await expect(pool.decode(ref, bytes)).rejects.toBeInstanceOf(ChunkVerificationError);
      const file = join(root, 'damaged');
      await writeFile(file, bytes);
      await expect(pool.decodeFile(ref, file)).rejects.toThrow(message);
    }
    // A file far bigger than any compression of the chunk is refused without being read whole.
    await writeFile(join(root, 'huge'), Buffer.alloc(ref.n * 2));
    await expect(pool.decodeFile(ref, join(root, 'huge'))).rejects.toThrow(/more than any compression/);
    // Still decoding after all that.
    expect((await pool.decode(ref, compressed)).equals(data)).toBe(true);
  });

  it('lends the memory of a recycled chunk to the next one', async () => {
    const a = encoder.encode(mixed(2 << 20));
    const b = encoder.encode(mixed(2 << 20));
    const first = await pool.decode(a.ref, a.compressed);
    pool.recycle(first);
    const second = await pool.decode(b.ref, b.compressed);
    // Its memory went to a thread again: every view of it is now empty, and nothing reads stale bytes.
    expect(first.length).toBe(0);
    expect(second.equals(new ChunkDecoder().decode(b.ref, b.compressed))).toBe(true);
    // Buffers the pool did not lend are not taken.
    const foreign = Buffer.from(new ArrayBuffer(3 << 20));
    pool.recycle(foreign);
    await pool.decode(b.ref, b.compressed);
    expect(foreign.length).toBe(3 << 20);
  });

  it('stops its threads on close, refusing decodes in progress and after', async () => {
    const contexts: Worker[] = [];
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    const { ref, compressed } = encoder.encode(mixed(4 << 20));
    await Promise.all([pool.decode(ref, compressed), pool.decode(ref, compressed)]);
    contexts.push(...(post.mock.contexts as Worker[]));
    expect(new Set(contexts).size).toBe(2);
    expect(contexts.every((worker) => worker.threadId > 0)).toBe(true);
    const inFlight = expect(pool.decode(ref, compressed)).rejects.toThrow(/closed/);
    await pool.close();
    await inFlight;
    expect(contexts.every((worker) => worker.threadId === -1)).toBe(true); // the threads are gone
    expect(pool.runningThreads).toBe(0);
    await expect(pool.decode(ref, compressed)).rejects.toThrow(/closed/);
  });

  it('does not keep the process alive once idle', async () => {
    const script = join(root, 'idle.mts');
    await writeFile(script, `
      import { ChunkDecodePool } from ${JSON.stringify(new URL('./chunk-decode-pool.ts', import.meta.url).href)};
      import { ChunkEncoder } from ${JSON.stringify(new URL('./chunk-codec.ts', import.meta.url).href)};
      const { ref, compressed } = new ChunkEncoder().encode(Buffer.alloc(1 << 20, 3));
      const pool = new ChunkDecodePool({ threads: 1 });
      const data = await pool.decode(ref, compressed);
      console.log('decoded', data.length);
    `);
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('decoded 1048576');
    expect(child.status).toBe(0); // exited by itself: neither hung nor cut short while decoding
  });
});

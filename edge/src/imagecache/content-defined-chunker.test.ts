import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ContentDefinedChunker, DEFAULT_CHUNK_LIMITS } from './content-defined-chunker';

function chunk(data: Uint8Array, pieceSize = data.length): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const chunker = new ContentDefinedChunker((c) => chunks.push(Buffer.from(c)));
  for (let at = 0; at < data.length; at += pieceSize) chunker.push(data.subarray(at, Math.min(data.length, at + pieceSize)));
  chunker.finish();
  return chunks;
}

const digest = (c: Uint8Array) => createHash('sha256').update(c).digest('hex');
/** Deterministic pseudo-random bytes, so sizes and cuts are the same on every run. */
function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let state = seed | 1;
  for (let i = 0; i < length; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out.writeInt32LE(state | 0, Math.min(i, length - 4));
  }
  return out;
}

describe('ContentDefinedChunker', () => {
  const data = pseudoRandom(48 * 1024 * 1024, 42);
  const whole = chunk(data);

  it('reassembles to the input, within the size limits, around the average size', () => {
    expect(Buffer.concat(whole).equals(data)).toBe(true);
    const sizes = whole.map((c) => c.length);
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(DEFAULT_CHUNK_LIMITS.minSize);
      expect(size).toBeLessThanOrEqual(DEFAULT_CHUNK_LIMITS.maxSize);
    }
    const average = data.length / whole.length;
    expect(average).toBeGreaterThan(1 * 1024 * 1024);
    expect(average).toBeLessThan(4 * 1024 * 1024);
  });

  it('cuts at the same places whatever the input pieces look like', () => {
    for (const piece of [13, 4096, 65_537, 1_000_003]) {
      const pieces = chunk(data.subarray(0, 12 * 1024 * 1024), piece).map(digest);
      expect(pieces).toEqual(chunk(data.subarray(0, 12 * 1024 * 1024)).map(digest));
    }
  });

  it('keeps most chunks when bytes are inserted or changed near the start', () => {
    const edited = Buffer.concat([data.subarray(0, 1000), randomBytes(777), data.subarray(1000)]);
    edited[30 * 1024 * 1024] = edited[30 * 1024 * 1024]! ^ 0xff;
    const before = new Set(whole.map(digest));
    const after = chunk(edited).map(digest);
    const shared = after.filter((h) => before.has(h)).length;
    expect(shared / after.length).toBeGreaterThan(0.8);
  });

  it('cuts constant data at the maximum size and handles empty and tiny inputs', () => {
    const zeros = chunk(Buffer.alloc(20 * 1024 * 1024));
    expect(zeros.map((c) => c.length)).toEqual([8 * 1024 * 1024, 8 * 1024 * 1024, 4 * 1024 * 1024]);
    expect(chunk(Buffer.alloc(0))).toEqual([]);
    expect(chunk(Buffer.from('hello')).map((c) => Buffer.from(c).toString())).toEqual(['hello']);
  });
});

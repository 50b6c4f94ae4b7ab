import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { chunkPath, type ChunkRef } from '@marrow/shared';
import { ChunkEncoder, ChunkVerificationError } from './chunk-codec';
import { ChunkDeltaDecoder, ChunkDeltaEncoder, DecodedChunks, DELTA_WORTH_RATIO, MAX_DELTA_BASE_BYTES, planDeltaBases } from './chunk-delta';
import { ChunkStore } from './chunk-store';

const MiB = 1024 * 1024;

/** Compressible and incompressible runs, like a used partition. */
function diskLike(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let at = 0; at < bytes; at += 256 * 1024) {
    const end = Math.min(bytes, at + 256 * 1024);
    if ((at / (256 * 1024)) % 2 === 0) randomBytes(end - at).copy(out, at);
    else out.write('registry driver service update component manifest '.repeat(6000).slice(0, end - at), at, 'latin1');
  }
  return out;
}

function refOf(data: Buffer): ChunkRef {
  return new ChunkEncoder().encode(data).ref;
}

describe('chunk deltas', () => {
  // The parent's chunks, and a new version of the middle one: a few scattered 4 KiB blocks
  // rewritten, 64 KiB inserted (the stream shifts) and its start taken from the previous chunk.
  const before = diskLike(6 * MiB);
  const bases = [before.subarray(0, 2 * MiB), before.subarray(2 * MiB, 4 * MiB), before.subarray(4 * MiB)];
  const changed = Buffer.concat([before.subarray(2 * MiB - 100_000, 3 * MiB), randomBytes(64 * 1024), before.subarray(3 * MiB, 4 * MiB)]);
  for (const at of [10_000, 700_000, 1_500_000, 2_000_000]) randomBytes(4096).copy(changed, at);
  const ref = refOf(changed);

  it('rebuilds a changed chunk from a delta a small part of its compressed size, and proves it', () => {
    const delta = new ChunkDeltaEncoder().encode(changed, bases);
    // What changed: 4 × 4 KiB + 64 KiB of random bytes; the chunk itself compresses to ~1 MiB.
    expect(delta.length).toBeLessThan(100 * 1024);
    expect(delta.length).toBeLessThan(ref.c / 10);
    const rebuilt = new ChunkDeltaDecoder().decode(ref, delta, bases);
    expect(rebuilt.equals(changed)).toBe(true);
  });

  it('refuses a delta decoded against other bases, in another order, or damaged', () => {
    const delta = new ChunkDeltaEncoder().encode(changed, bases);
    const decoder = new ChunkDeltaDecoder();
    expect(() => decoder.decode(ref, delta, [bases[0]!, randomBytes(2 * MiB), bases[2]!])).toThrow(ChunkVerificationError);
    expect(() => decoder.decode(ref, delta, [bases[1]!, bases[0]!, bases[2]!])).toThrow(ChunkVerificationError);
    const damaged = Buffer.from(delta);
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
    expect(() => decoder.decode(ref, damaged, bases)).toThrow(ChunkVerificationError);
    expect(() => decoder.decode(ref, delta.subarray(0, delta.length - 10), bases)).toThrow(ChunkVerificationError);
    expect(() => decoder.decode(ref, randomBytes(500), bases)).toThrow(ChunkVerificationError);
    // A delta for a larger chunk than the ref says is refused, not decoded into what it claims.
    expect(() => decoder.decode({ ...ref, n: ref.n - 1 }, delta, bases)).toThrow(ChunkVerificationError);
    expect(() => decoder.decode(ref, delta, [])).toThrow(ChunkVerificationError);
  });

  it('gains nothing on new content, so such a delta is not kept', () => {
    const fresh = randomBytes(2 * MiB);
    const delta = new ChunkDeltaEncoder().encode(fresh, bases);
    expect(delta.length).toBeGreaterThan(DELTA_WORTH_RATIO * refOf(fresh).c);
  });

  it('reaches the whole dictionary: a match at its very start is found', () => {
    const big = [diskLike(8 * MiB), diskLike(8 * MiB - 128 * 1024)];
    expect(big[0]!.length + big[1]!.length).toBeLessThanOrEqual(MAX_DELTA_BASE_BYTES);
    const copy = Buffer.from(big[0]!.subarray(0, 2 * MiB));
    const delta = new ChunkDeltaEncoder().encode(copy, big);
    expect(delta.length).toBeLessThan(10 * 1024);
    expect(new ChunkDeltaDecoder().decode(refOf(copy), delta, big).equals(copy)).toBe(true);
  });
});

describe('planDeltaBases', () => {
  const chunk = (name: string, n = MiB): ChunkRef => ({ h: createHash('sha256').update(name).digest('hex'), n, c: n / 2 });
  const parent = Array.from({ length: 30 }, (_, i) => chunk(`p${i}`));
  const hashesOf = (indices: number[]) => indices.map((i) => parent[i]!.h);

  it('follows the stream as it shifts: a changed chunk takes the parent chunks at the shifted position, and their neighbours', () => {
    // 5 MiB of new blocks after parent chunk 4 (the stream shifts by 5 MiB), chunk 20 rewritten, and chunk 25 split in two.
    const stream = [...parent.slice(0, 5), ...Array.from({ length: 5 }, (_, i) => chunk(`new${i}`)), ...parent.slice(5, 20), chunk('p20 v2'), ...parent.slice(21, 25), chunk('p25a', MiB / 2), chunk('p25b', MiB / 2), ...parent.slice(26)];
    const plan = planDeltaBases(stream, parent);
    expect(plan.get(chunk('p20 v2').h)).toEqual(hashesOf([19, 20, 21]));
    expect(plan.get(chunk('p25a').h)).toEqual(hashesOf([24, 25, 26]));
    expect(plan.get(chunk('p25b').h)).toEqual(hashesOf([24, 25, 26]));
    // Inserted chunks sit between parent chunks 4 and 5: bases around there.
    for (let i = 0; i < 5; i++) expect(plan.get(chunk(`new${i}`).h)).toEqual(expect.arrayContaining(hashesOf([4, 5])));
    // Chunks the parent has get no delta.
    expect([...plan.keys()].some((h) => parent.some((p) => p.h === h))).toBe(false);
  });

  it('without any shared chunk, takes the same offsets; stays within the base limits, nearest first', () => {
    const stream = Array.from({ length: 30 }, (_, i) => chunk(`other${i}`));
    const plan = planDeltaBases(stream, parent);
    expect(plan.get(stream[10]!.h)).toEqual(hashesOf([9, 10, 11]));
    const limited = planDeltaBases([chunk('wide', 6 * MiB)], parent.slice(0, 8), { maxBytes: 4 * MiB, maxBases: 8 });
    expect(limited.get(chunk('wide').h)!.length).toBe(4);
    expect(planDeltaBases(stream, [])).toEqual(new Map());
  });
});

describe('DecodedChunks', () => {
  it('reads each chunk once for concurrent callers, keeps the most recent within its limit, and drops a damaged one from the cache', async () => {
    const root = await mkdtemp(join(tmpdir(), 'decoded-chunks-'));
    try {
      const store = await ChunkStore.open(root, 1e9);
      const encoder = new ChunkEncoder();
      const data = [randomBytes(MiB), randomBytes(MiB), randomBytes(MiB)];
      const [a, b, c] = data.map((d) => encoder.encode(d)).map(({ ref }) => ref.h);
      for (const d of data) {
        const { ref, compressed } = encoder.encode(d);
        await store.put(ref.h, compressed);
      }
      const decoded = new DecodedChunks(store, 2.5 * MiB);
      const reads = vi.spyOn(store, 'get');
      const got = await Promise.all(Array.from({ length: 4 }, () => decoded.get([a!, b!])));
      for (const pair of got) expect([pair![0]!.equals(data[0]!), pair![1]!.equals(data[1]!)]).toEqual([true, true]);
      expect(reads).toHaveBeenCalledTimes(2);
      await decoded.get([c!]); // over the limit: a, the least recently used, goes
      await decoded.get([b!]);
      expect(reads).toHaveBeenCalledTimes(3);
      await decoded.get([a!]);
      expect(reads).toHaveBeenCalledTimes(4);

      await writeFile(join(root, chunkPath(c!)), encoder.encode(randomBytes(100)).compressed);
      expect(await new DecodedChunks(store).get([a!, c!])).toBeUndefined();
      expect(store.has(c!)).toBe(false);
      expect(await new DecodedChunks(store).get([c!])).toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

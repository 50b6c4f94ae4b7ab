import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkEncoder } from './chunk-codec';
import { ChunkDeltaDecoder, ChunkDeltaEncoder, MAX_DELTA_BASE_BYTES } from './chunk-delta';
import { ChunkDeltaThread } from './chunk-delta-thread';

const MiB = 1024 * 1024;

/** A parent's three chunks and a new version of the middle one (scattered rewrites, an insertion). */
function versions() {
  const text = Buffer.from('registry driver service update component manifest '.repeat(42_000).slice(0, 2 * MiB), 'latin1');
  const bases = [randomBytes(2 * MiB), Buffer.concat([text.subarray(0, MiB), randomBytes(MiB)]), randomBytes(2 * MiB)];
  const changed = Buffer.concat([bases[1]!.subarray(0, MiB + 300_000), randomBytes(32 * 1024), bases[1]!.subarray(MiB + 300_000)]);
  for (const at of [5_000, 900_000, 1_700_000]) randomBytes(4096).copy(changed, at);
  return { bases, changed };
}

describe('ChunkDeltaThread', () => {
  const thread = new ChunkDeltaThread();
  afterAll(() => thread.close());

  it('makes, on its thread, byte for byte the delta the in-thread encoder makes', async () => {
    const { bases, changed } = versions();
    const expected = new ChunkDeltaEncoder().encode(changed, bases);
    const delta = await thread.encode(Buffer.from(changed), bases);
    expect(delta.equals(expected)).toBe(true);
    const rebuilt = new ChunkDeltaDecoder().decode(new ChunkEncoder().encode(changed).ref, delta, bases);
    expect(rebuilt.equals(changed)).toBe(true);
    expect(bases.every((base) => base.length === 2 * MiB)).toBe(true); // the bases stay the caller's
  });

  it('makes one delta after another, for chunks that share a memory block too', async () => {
    const { bases, changed } = versions();
    const block = Buffer.concat([changed, changed]);
    const first = await thread.encode(block.subarray(0, changed.length), bases);
    const second = await thread.encode(block.subarray(changed.length), bases);
    expect(first.equals(second)).toBe(true);
    expect(block.subarray(changed.length).equals(changed)).toBe(true); // a shared block is copied, not taken
  });

  it('refuses bases out of bounds with the reason, and keeps working', async () => {
    const { bases, changed } = versions();
    await expect(thread.encode(changed, [])).rejects.toThrow('a delta needs at least one base');
    await expect(thread.encode(changed, [Buffer.alloc(MAX_DELTA_BASE_BYTES + 1)])).rejects.toThrow(/too many base bytes/);
    const delta = await thread.encode(Buffer.from(changed), bases);
    expect(delta.length).toBeGreaterThan(0);
  });

  it('starts again after close()', async () => {
    const { bases, changed } = versions();
    await thread.close();
    const delta = await thread.encode(Buffer.from(changed), bases);
    expect(delta.equals(new ChunkDeltaEncoder().encode(changed, bases))).toBe(true);
  });
});

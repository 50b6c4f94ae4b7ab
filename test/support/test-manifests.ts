import { createHash, randomBytes } from 'node:crypto';
import { MANIFEST_SCHEMA_VERSION, type ChunkRef, type Manifest } from '@marrow/shared';

/** Bytes standing in for a compressed chunk, and their name: the API checks presence, not content. */
export interface TestChunk {
  readonly data: Buffer<ArrayBuffer>;
  readonly h: string;
}

export function testChunk(data: Buffer<ArrayBuffer> = randomBytes(2000)): TestChunk {
  return { data, h: createHash('sha256').update(data).digest('hex') };
}

export interface TestManifestOptions {
  /** The machine it was captured from (left out for an imported master). */
  machineId?: string;
  /** Chunk refs to give a delta (against the first chunk), with this delta size. */
  deltas?: ReadonlyMap<string, number>;
  createdAt?: string;
}

/** A valid manifest of one NTFS partition made of `chunks`, in `tenantId`. */
export function testManifest(tenantId: string, chunks: readonly TestChunk[], options: TestManifestOptions = {}): Manifest {
  const streamBytes = chunks.reduce((sum, c) => sum + c.data.length, 0);
  const ref = (c: TestChunk): ChunkRef => {
    const delta = options.deltas?.get(c.h);
    return { h: c.h, n: c.data.length, c: c.data.length, ...(delta !== undefined ? { b: [chunks[0]!.h], d: delta } : {}) };
  };
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tenantId,
    createdAt: options.createdAt ?? new Date().toISOString(),
    ...(options.machineId !== undefined ? { machineId: options.machineId } : {}),
    disk: { label: 'gpt', sizeBytes: 64 << 20, sectorSize: 512, partitionTable: 'label: gpt\n' },
    partitions: [
      {
        number: 1,
        startSector: 2048,
        sizeBytes: 60 << 20,
        filesystem: 'ntfs',
        tool: 'partclone.ntfs',
        usedBytes: streamBytes,
        streamBytes,
        streamSha256: 'a'.repeat(64),
        chunks: chunks.map(ref),
      },
    ],
  };
}

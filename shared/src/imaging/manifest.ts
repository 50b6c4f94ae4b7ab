import { z } from 'zod';
import { idSchema, timestampSchema } from '../catalogue/common';

/**
 * The image format (design §5): a manifest describes a disk — its partition table and, per
 * partition, the stream partclone (or dd) produced, as an ordered list of content-defined
 * chunks named by the SHA-256 of their uncompressed bytes. Chunks are zstd-compressed and
 * stored once per tenant (`tenants/{tenant}/chunks/{h[0:2]}/{h}` in S3, the same layout in
 * each edge's cache), so two versions of a master share most of them.
 *
 * A chunk new in a version of an image may also be archived as a delta against chunks of the
 * previous version (`tenants/{tenant}/deltas/{h}`, named in its ChunkRef), which a site that
 * holds those downloads instead.
 *
 * Schema version 1. New fields are optional; readers refuse a schemaVersion they don't know.
 */
export const MANIFEST_SCHEMA_VERSION = 1;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');

/** At most this many base chunks per delta (edge/src/imagecache/chunk-delta.ts). */
export const MAX_DELTA_BASES = 8;

export const chunkRefSchema = z
  .object({
    /** SHA-256 of the uncompressed chunk. */
    h: sha256Hex,
    /** Uncompressed length. */
    n: z.number().int().positive().max(64 * 1024 * 1024),
    /** Compressed (zstd) length. */
    c: z.number().int().positive(),
    /**
     * Since manifest v1, optional: the chunk also exists as a delta (`tenants/{tenant}/deltas/{h}`),
     * zstd-compressed against these chunks of the parent image (their bytes, in this order, are
     * its dictionary). A site holding all of them may download the delta instead of the chunk;
     * the chunk itself is always archived too.
     */
    b: z.array(sha256Hex).min(1).max(MAX_DELTA_BASES).optional(),
    /** Since manifest v1, optional: the delta's length in bytes; present exactly when `b` is. */
    d: z.number().int().positive().optional(),
  })
  .refine((ref) => (ref.b === undefined) === (ref.d === undefined), { message: 'a delta needs both its bases (b) and its length (d)', path: ['d'] });
export type ChunkRef = z.infer<typeof chunkRefSchema>;

export const partitionImageSchema = z.object({
  /** 1-based partition number as sfdisk numbers it. */
  number: z.number().int().positive(),
  startSector: z.number().int().nonnegative(),
  sizeBytes: z.number().int().nonnegative(),
  /** What blkid said the filesystem is ("ntfs", "ext4", "vfat"…), or "raw". */
  filesystem: z.string().max(32),
  /** How the stream was made and must be restored: a partclone tool, or "dd" for raw. */
  tool: z.enum(['partclone.ntfs', 'partclone.extfs', 'partclone.fat', 'partclone.btrfs', 'partclone.xfs', 'dd']),
  /** Bytes in use in the filesystem (what partclone copies). */
  usedBytes: z.number().int().nonnegative(),
  streamBytes: z.number().int().nonnegative(),
  /** SHA-256 of the whole stream, checked after a restore rebuilds it. */
  streamSha256: sha256Hex,
  chunks: z.array(chunkRefSchema),
});
export type PartitionImage = z.infer<typeof partitionImageSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  tenantId: idSchema('tenant'),
  createdAt: timestampSchema,
  /** The machine it was captured from (absent for an imported master). */
  machineId: idSchema('machine').optional(),
  /**
   * Since manifest v1, optional: the image this one was captured as a new version of (the
   * machine's latest ready backup image when the capture was uploaded), whose chunks the
   * deltas of this one are made against.
   */
  parent: z
    .object({
      backupImageId: idSchema('backupImage'),
      manifestKey: z.string().min(1).max(1024),
    })
    .optional(),
  disk: z.object({
    label: z.enum(['gpt', 'dos', 'none']),
    sizeBytes: z.number().int().nonnegative(),
    sectorSize: z.number().int().positive(),
    /** `sfdisk --dump` output: what the restore feeds back to sfdisk. */
    partitionTable: z.string().max(64 * 1024),
  }),
  partitions: z.array(partitionImageSchema).max(128),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** Where a chunk lives under a tenant's prefix (S3) or a cache root (edge). */
export function chunkPath(hash: string): string {
  return `chunks/${hash.slice(0, 2)}/${hash}`;
}

/** Where a chunk's delta lives under a tenant's prefix (S3): one per chunk, named by the chunk. */
export function deltaPath(hash: string): string {
  return `deltas/${hash}`;
}

/** The distinct chunks of a manifest, each once (what a site must hold to restore it). */
export function uniqueChunks(manifest: Pick<Manifest, 'partitions'>): ChunkRef[] {
  const seen = new Map<string, ChunkRef>();
  for (const partition of manifest.partitions) for (const chunk of partition.chunks) seen.set(chunk.h, chunk);
  return [...seen.values()];
}

/** Compressed size of an image: the sum of its unique compressed chunks (what the Masters page shows). */
export function compressedSize(manifest: Pick<Manifest, 'partitions'>): number {
  return uniqueChunks(manifest).reduce((sum, chunk) => sum + chunk.c, 0);
}

import { z } from 'zod';
import { idSchema, timestampSchema } from '../catalogue/common';

/**
 * The image format (design §5): a manifest describes a disk — its partition table and, per
 * partition, the stream partclone (or dd) produced, as an ordered list of content-defined
 * chunks named by the SHA-256 of their uncompressed bytes. Chunks are zstd-compressed and
 * stored once per tenant (`tenants/{tenant}/chunks/{h[0:2]}/{h}` in S3, the same layout in
 * each edge's cache), so two versions of a master share most of them.
 *
 * Schema version 1. New fields are optional; readers refuse a schemaVersion they don't know.
 */
export const MANIFEST_SCHEMA_VERSION = 1;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');

export const chunkRefSchema = z.object({
  /** SHA-256 of the uncompressed chunk. */
  h: sha256Hex,
  /** Uncompressed length. */
  n: z.number().int().positive().max(64 * 1024 * 1024),
  /** Compressed (zstd) length. */
  c: z.number().int().positive(),
});
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

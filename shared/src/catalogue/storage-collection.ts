import { z } from 'zod';

const count = z.number().int().nonnegative();

/** Asking for a collection of the archive space no master or backup image uses any more. */
export const storageCollectionRequestSchema = z.strictObject({
  /** Only report what would be deleted (the default: deleting is irreversible). */
  dryRun: z.boolean().default(true),
});

/** What a collection found and did (lambdas/src/catalogue/storage-collection.ts). */
export const storageCollectionSchema = z.object({
  tenantId: z.string(),
  dryRun: z.boolean(),
  startedAt: z.string(),
  /** Why nothing was deleted (a capture is running), or null. */
  skipped: z.string().nullable(),
  manifestsRead: count,
  referenced: z.object({ chunks: count, deltas: count }),
  /** Used by nothing and past the grace period: deleted, or what a real run would delete. */
  unreferenced: z.object({ chunks: count, deltas: count, bytes: count }),
  /** Used by nothing but younger than the grace period (uploads in flight): kept. */
  keptRecent: z.object({ objects: count, bytes: count }),
  deleted: z.object({ objects: count, bytes: count }),
  /**
   * Agent and driver-set uploads never completed, a day after their upload URL expired: their
   * bytes (if any arrived) and record are deleted too (not on a dry run). Since storage collection 1.1.
   */
  abandonedUploads: z.object({ uploads: count, bytes: count, deleted: z.boolean() }),
});
export type StorageCollection = z.infer<typeof storageCollectionSchema>;

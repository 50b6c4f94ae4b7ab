import { z } from 'zod';
import { idSchema, recordMetaSchema, textSchema } from './common';

export const backupImageStates = ['capturing', 'ready', 'failed'] as const;

/** A capture of one machine's disk; it can be restored to that machine or promoted to a master. */
export const backupImageSchema = recordMetaSchema.extend({
  id: idSchema('backupImage'),
  entityId: idSchema('entity'),
  machineId: idSchema('machine'),
  description: textSchema(500),
  state: z.enum(backupImageStates),
  /** Uncompressed bytes of every partition stream. */
  sizeBytes: z.number().int().nonnegative(),
  /** Bytes of the unique compressed chunks. */
  compressedSizeBytes: z.number().int().nonnegative(),
  /** Object key of the manifest in the masters bucket, under the tenant prefix. */
  manifestKey: z.string().nullable(),
});
export type BackupImage = z.infer<typeof backupImageSchema>;

export const backupImageCreateSchema = z.strictObject({
  machineId: idSchema('machine'),
  description: textSchema(500).default(''),
  state: z.enum(backupImageStates).default('capturing'),
  sizeBytes: z.number().int().nonnegative().default(0),
  compressedSizeBytes: z.number().int().nonnegative().default(0),
  manifestKey: z.string().max(1024).nullable().default(null),
});
export const backupImageUpdateSchema = z.strictObject({
  description: textSchema(500).optional(),
  state: z.enum(backupImageStates).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  compressedSizeBytes: z.number().int().nonnegative().optional(),
  manifestKey: z.string().max(1024).nullable().optional(),
});

import { z } from 'zod';
import { idSchema, recordMetaSchema, textSchema, timestampSchema } from './common';

/** One published version of a master: versions share most chunks, so a site syncs only what changed. */
export const masterVersionSchema = z.object({
  number: z.number().int().positive(),
  createdAt: timestampSchema,
  manifestKey: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  compressedSizeBytes: z.number().int().nonnegative(),
});
export type MasterVersion = z.infer<typeof masterVersionSchema>;

/** A golden system image, deployable to many machines of its entity. */
export const masterSchema = recordMetaSchema.extend({
  id: idSchema('master'),
  entityId: idSchema('entity'),
  /** Generated, never edited: people quote it in tickets and in delete confirmations. */
  label: z.string(),
  description: textSchema(500),
  compressedSizeBytes: z.number().int().nonnegative(),
  inDefaultStartupMenu: z.boolean(),
  sourceBackupImageId: idSchema('backupImage').nullable(),
  postImagingScriptIds: z.array(idSchema('postImagingScript')),
  versions: z.array(masterVersionSchema),
});
export type Master = z.infer<typeof masterSchema>;

export const masterCreateSchema = z.strictObject({
  entityId: idSchema('entity'),
  description: textSchema(500).default(''),
  inDefaultStartupMenu: z.boolean().default(false),
  sourceBackupImageId: idSchema('backupImage').nullable().default(null),
  postImagingScriptIds: z.array(idSchema('postImagingScript')).max(20).default([]),
});
export const masterUpdateSchema = z.strictObject({
  description: textSchema(500).optional(),
  inDefaultStartupMenu: z.boolean().optional(),
  postImagingScriptIds: z.array(idSchema('postImagingScript')).max(20).optional(),
});

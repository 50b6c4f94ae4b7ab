import { z } from 'zod';
import { idSchema, nameSchema, recordMetaSchema, textSchema } from './common';

/**
 * A logical grouping inside a tenant (site, department, location). Entities nest through
 * parentId; each is served by at most one imaging server.
 */
export const entitySchema = recordMetaSchema.extend({
  id: idSchema('entity'),
  name: nameSchema(100),
  description: textSchema(500),
  parentId: idSchema('entity').nullable(),
  imagingServerId: idSchema('imagingServer').nullable(),
});
export type Entity = z.infer<typeof entitySchema>;

export const entityCreateSchema = z.strictObject({
  name: nameSchema(100),
  description: textSchema(500).default(''),
  parentId: idSchema('entity').nullable().default(null),
});
export const entityUpdateSchema = z.strictObject({
  name: nameSchema(100).optional(),
  description: textSchema(500).optional(),
  parentId: idSchema('entity').nullable().optional(),
});

/** Nesting deeper than this is almost certainly a mistake and makes menus unreadable. */
export const MAX_ENTITY_DEPTH = 8;

/** Entity statistics as the imaging-server status page shows them. */
export const entityStatisticsSchema = z.object({
  entityId: idSchema('entity'),
  clients: z.number().int().nonnegative(),
  clientsWithBackupImages: z.number().int().nonnegative(),
  backupImages: z.number().int().nonnegative(),
  mastersAvailable: z.number().int().nonnegative(),
});
export type EntityStatistics = z.infer<typeof entityStatisticsSchema>;

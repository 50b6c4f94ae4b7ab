import { z } from 'zod';
import { idSchema, recordMetaSchema } from './common';

/**
 * The default startup menu of an entity: what a machine boots when nobody touches the
 * keyboard. `classic` applies to ordinary PXE boots, `wol` to machines Marrow woke up.
 * The default item is a boot service of the entity or a master in its default startup menu.
 */
export const startupMenuChoiceSchema = z.strictObject({
  defaultItemId: z.union([idSchema('bootService'), idSchema('master')]),
  timeoutSeconds: z.number().int().min(0, 'must be 0 (boot at once) or more').max(3600, 'must be at most 3600 seconds'),
});
export type StartupMenuChoice = z.infer<typeof startupMenuChoiceSchema>;

export const startupMenuSchema = recordMetaSchema.extend({
  entityId: idSchema('entity'),
  classic: startupMenuChoiceSchema,
  wol: startupMenuChoiceSchema,
});
export type StartupMenu = z.infer<typeof startupMenuSchema>;

export const startupMenuUpdateSchema = z.strictObject({
  classic: startupMenuChoiceSchema.optional(),
  wol: startupMenuChoiceSchema.optional(),
});

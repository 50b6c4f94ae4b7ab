import { z } from 'zod';
import { idSchema, nameSchema, recordMetaSchema, timestampSchema } from './common';

/** The edge appliance that serves one entity's site. */
export const imagingServerSchema = recordMetaSchema.extend({
  id: idSchema('imagingServer'),
  entityId: idSchema('entity'),
  name: nameSchema(100),
  /** Set when an administrator revokes the appliance; it then loses API and MQTT access. */
  revokedAt: timestampSchema.nullable(),
});
export type ImagingServer = z.infer<typeof imagingServerSchema>;

export const imagingServerCreateSchema = z.strictObject({
  entityId: idSchema('entity'),
  name: nameSchema(100),
});
export const imagingServerUpdateSchema = z.strictObject({
  name: nameSchema(100).optional(),
  revoked: z.boolean().optional(),
});

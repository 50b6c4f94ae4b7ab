import { z } from 'zod';
import { hostnameSchema, idSchema, macSchema, recordMetaSchema, textSchema, timestampSchema } from './common';

/** What the imaging environment reads from /sys/class/dmi and /proc when a machine registers. */
export const machineInventorySchema = z.strictObject({
  manufacturer: textSchema(100).optional(),
  model: textSchema(100).optional(),
  serialNumber: textSchema(100).optional(),
  biosVersion: textSchema(100).optional(),
  cpu: textSchema(200).optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
  disks: z
    .array(z.strictObject({ name: textSchema(64), sizeBytes: z.number().int().nonnegative() }))
    .max(64)
    .optional(),
});
export type MachineInventory = z.infer<typeof machineInventorySchema>;

// SMBIOS UUIDs often ignore RFC 4122's version and variant bits: any 8-4-4-4-12 hex form is accepted.
const uuidSchema = z.guid('must be an SMBIOS UUID like 4c4c4544-0031-3410-8052-b3c04f4e4432');

/** A computer known by its MAC address, registered with a hostname, in one entity. */
export const machineSchema = recordMetaSchema.extend({
  id: idSchema('machine'),
  entityId: idSchema('entity'),
  mac: z.string(),
  hostname: z.string(),
  uuid: z.string().nullable(),
  inventory: machineInventorySchema,
  lastSeenAt: timestampSchema.nullable(),
});
export type Machine = z.infer<typeof machineSchema>;

export const machineCreateSchema = z.strictObject({
  entityId: idSchema('entity'),
  mac: macSchema,
  hostname: hostnameSchema,
  uuid: uuidSchema.nullable().default(null),
  inventory: machineInventorySchema.default({}),
});
export const machineUpdateSchema = z.strictObject({
  entityId: idSchema('entity').optional(),
  hostname: hostnameSchema.optional(),
  uuid: uuidSchema.nullable().optional(),
  inventory: machineInventorySchema.optional(),
});

import { z } from 'zod';
import { idSchema, nameSchema, timestampSchema } from './common';

/** One MSP customer. Every other record belongs to exactly one tenant. */
export const tenantSchema = z.object({
  id: idSchema('tenant'),
  name: nameSchema(100),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  version: z.number().int().positive(),
});
export type Tenant = z.infer<typeof tenantSchema>;

export const tenantCreateSchema = z.strictObject({ name: nameSchema(100) });
export const tenantUpdateSchema = z.strictObject({ name: nameSchema(100) });

import { z } from 'zod';
import { idSchema, timestampSchema } from './common';

/**
 * - msp-operator: works across the tenants listed in its grant (or every tenant: "*"),
 *   and may create tenants;
 * - tenant-admin: full control of one tenant;
 * - read-only: sees one tenant, changes nothing.
 */
export const roles = ['msp-operator', 'tenant-admin', 'read-only'] as const;
export type Role = (typeof roles)[number];

export const usernameSchema = z
  .string()
  .trim()
  .min(3, 'must be at least 3 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9._@-]*$/, 'may hold lower-case letters, digits and . _ @ -');

export const passwordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters');

/** A user as the API shows it (never with its password hash). */
export const userSchema = z.object({
  id: idSchema('user'),
  username: usernameSchema,
  role: z.enum(roles),
  /** Tenants this user may act in; `["*"]` for an operator of every tenant. */
  tenantIds: z.array(z.union([idSchema('tenant'), z.literal('*')])).min(1),
  createdAt: timestampSchema,
});
export type User = z.infer<typeof userSchema>;

export const userCreateSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: z.enum(roles),
  tenantIds: z.array(z.union([idSchema('tenant'), z.literal('*')])).min(1).optional(),
});

export const loginSchema = z.strictObject({
  username: z.string().trim().min(1, 'must not be empty').max(64),
  password: z.string().min(1, 'must not be empty').max(256),
});

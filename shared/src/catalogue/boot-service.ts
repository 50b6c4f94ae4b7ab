import { z } from 'zod';
import { validateIpxeSnippet } from '../rules/ipxe-snippet';
import { idSchema, nameSchema, recordMetaSchema } from './common';

/**
 * Builtin boot services exist in every entity and cannot be deleted (disable them instead);
 * `deploy-master` stands for the masters flagged "in default startup menu".
 */
export const builtinBootServiceKinds = ['local-disk', 'register', 'backup', 'deploy-master', 'diagnostics'] as const;
export const bootServiceKinds = [...builtinBootServiceKinds, 'custom'] as const;
export type BootServiceKind = (typeof bootServiceKinds)[number];

export const builtinBootServiceLabels: Record<(typeof builtinBootServiceKinds)[number], string> = {
  'local-disk': 'Boot from local disk',
  register: 'Register this machine',
  backup: 'Back up this machine',
  'deploy-master': 'Deploy a master',
  diagnostics: 'Hardware diagnostics',
};

const ipxeSnippetSchema = z.string().superRefine((snippet, ctx) => {
  for (const problem of validateIpxeSnippet(snippet)) {
    ctx.addIssue({ code: 'custom', message: `line ${problem.line}: ${problem.message}` });
  }
});

/** One item of the PXE boot menu of an entity. */
export const bootServiceSchema = recordMetaSchema.extend({
  id: idSchema('bootService'),
  entityId: idSchema('entity'),
  kind: z.enum(bootServiceKinds),
  label: nameSchema(60),
  enabled: z.boolean(),
  order: z.number().int(),
  /** Only for `custom`: the iPXE lines run when the item is chosen. */
  ipxeScript: z.string().nullable(),
});
export type BootService = z.infer<typeof bootServiceSchema>;

export const bootServiceCreateSchema = z.strictObject({
  entityId: idSchema('entity'),
  label: nameSchema(60),
  enabled: z.boolean().default(true),
  order: z.number().int().min(0).max(10_000).default(100),
  ipxeScript: ipxeSnippetSchema,
});
export const bootServiceUpdateSchema = z.strictObject({
  label: nameSchema(60).optional(),
  enabled: z.boolean().optional(),
  order: z.number().int().min(0).max(10_000).optional(),
  ipxeScript: ipxeSnippetSchema.optional(),
});

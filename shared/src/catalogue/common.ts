import { z } from 'zod';

/**
 * Identifiers are a short type prefix plus a ULID (26 Crockford base32 chars), so an id
 * says what it names in logs and support tickets ("ms_01J…" is a master).
 */
export const idPrefixes = {
  tenant: 'tn',
  entity: 'en',
  imagingServer: 'is',
  machine: 'mc',
  master: 'ms',
  backupImage: 'bk',
  bootService: 'bs',
  postImagingScript: 'ps',
  deployment: 'dp',
  answerFile: 'af',
  agent: 'ag',
  upload: 'up',
  backupRequest: 'br',
  user: 'us',
} as const;

export type IdKind = keyof typeof idPrefixes;

export function idSchema(kind: IdKind) {
  const prefix = idPrefixes[kind];
  return z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`), `must be a ${kind} id (${prefix}_…)`);
}

export const timestampSchema = z.iso.datetime({ offset: false });

/** Free text shown to people: trimmed, no control characters. */
export function textSchema(max: number) {
  return z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
}

export function nameSchema(max = 64) {
  return textSchema(max).min(1, 'must not be empty');
}

/**
 * MAC addresses arrive as aa:bb:…, AA-BB-…, aabb.ccdd.eeff or aabbccddeeff; we keep one
 * canonical form (lower case, colons) because the edge looks machines up by it.
 */
export const macSchema = z
  .string()
  .trim()
  .transform((raw) => raw.toLowerCase().replace(/[^0-9a-f]/g, ''))
  .refine((hex) => hex.length === 12, 'must be a MAC address like 52:54:00:12:34:56')
  .transform((hex) => hex.match(/../g)!.join(':'))
  .refine((mac) => mac !== '00:00:00:00:00:00' && mac !== 'ff:ff:ff:ff:ff:ff', 'must be a unicast MAC address');

/**
 * Windows computer names (NetBIOS) hold at most 15 characters; CopySysprep writes the
 * hostname into ComputerName, so a longer one would only fail later, inside Windows setup.
 */
export const hostnameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(15, 'must be at most 15 characters (Windows computer name limit)')
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/, 'may hold only letters, digits and inner hyphens')
  .refine((h) => !/^[0-9]+$/.test(h), 'must not be digits only');

/** Every stored record carries these; `version` guards updates (optimistic concurrency). */
export const recordMetaSchema = z.object({
  tenantId: idSchema('tenant'),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  version: z.number().int().positive(),
});

export type RecordMeta = z.infer<typeof recordMetaSchema>;

export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(2048).optional(),
  entityId: idSchema('entity').optional(),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

import { z } from 'zod';

/** Response schema of a list route. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() });
}

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500').default(100),
  cursor: z.string().max(4096).optional(),
});

export function listQueryWith<S extends z.ZodRawShape>(shape: S) {
  return listQuery.extend(shape);
}

/** Deleting irreversible things needs `?confirm=…`. */
export const confirmQuery = z.strictObject({ confirm: z.string().max(200).optional() });

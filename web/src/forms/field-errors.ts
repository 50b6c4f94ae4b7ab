import type { z } from 'zod';

/**
 * Client-side validation with the API's own zod schemas (from @marrow/shared): the first
 * problem of each field, keyed by its path ("hostname", "lines.1"), worded as the API
 * words it. The API checks again; this only spares a round trip.
 */
export function fieldErrors(schema: z.ZodType, value: unknown): Record<string, string> {
  const result = schema.safeParse(value);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.');
    errors[key] ??= sentence(issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message);
  }
  return errors;
}

/** "must be at most 15 characters" → "Must be at most 15 characters." */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?)]$/.test(text) ? text : `${text}.`;
}

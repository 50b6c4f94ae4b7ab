import type { z } from 'zod';
import { ValidationError } from '../errors/marrow-error';

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Parses untrusted input with a schema; on failure a ValidationError whose message names
 * every field and what is wrong with it ("body.mac: must be a MAC address like …").
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where: 'body' | 'query'): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: friendlyMessage(issue),
  }));
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  throw new ValidationError(message, { details: { problems } });
}

function friendlyMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  return issue.message;
}

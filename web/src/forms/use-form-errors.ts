import { useState } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api/api-error';
import { fieldErrors } from './field-errors';

/**
 * Inline validation of a form against a shared zod schema: problems show once the user
 * tried to submit, and problems the API names (body.<field>) show on their field too.
 */
export function useFormErrors(schema: z.ZodType, value: unknown, apiError: unknown) {
  const [submitted, setSubmitted] = useState(false);
  const local = fieldErrors(schema, value);
  const server = apiError instanceof ApiError ? apiError : null;
  const errorOf = (field: string): string | undefined => (submitted ? local[field] : undefined) ?? server?.problemOf(`body.${field}`);
  /** The API error when no field shows it. */
  const unplaced = server && server.problems.some((p) => p.field.startsWith('body.')) ? undefined : (apiError ?? undefined);
  return {
    errorOf,
    unplaced,
    /** Call on submit: true when the form may be sent. */
    check: () => {
      setSubmitted(true);
      return Object.keys(local).length === 0;
    },
  };
}

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { MarrowError } from '../errors/marrow-error';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * The one place where errors become HTTP answers. MarrowErrors carry their status and a
 * message written for the user; anything else is a bug or an outage: logged with its
 * cause, answered with a 500 that leaks nothing.
 */
export function errorResponse(error: unknown, c: Context): Response {
  if (error instanceof MarrowError) {
    if (error.status >= 500) console.error(JSON.stringify({ level: 'error', message: error.message, cause: String(error.cause) }));
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return c.json(body, error.status as 400);
  }
  if (error instanceof HTTPException) {
    return c.json({ error: { code: 'http-error', message: error.message || 'request refused' } }, error.status);
  }
  console.error(JSON.stringify({ level: 'error', message: 'unhandled error', error: error instanceof Error ? error.stack : String(error) }));
  return c.json({ error: { code: 'internal', message: 'an internal error occurred; it has been logged' } }, 500);
}

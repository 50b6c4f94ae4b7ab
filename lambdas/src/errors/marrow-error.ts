/**
 * One root class for the control plane's errors. Each subclass says how the API answers
 * it (status and a stable code); `cause` is kept for the logs. The HTTP mapping lives in
 * one place (app/error-handler.ts).
 */
export class MarrowError extends Error {
  readonly status: number = 500;
  readonly code: string = 'internal';
  readonly details?: unknown;

  constructor(message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }
}

export class ValidationError extends MarrowError {
  override readonly status = 400;
  override readonly code = 'invalid-request';
}

export class UnauthorizedError extends MarrowError {
  override readonly status = 401;
  override readonly code = 'unauthorized';
}

export class ForbiddenError extends MarrowError {
  override readonly status = 403;
  override readonly code = 'forbidden';
}

export class NotFoundError extends MarrowError {
  override readonly status = 404;
  override readonly code = 'not-found';
}

export class ConflictError extends MarrowError {
  override readonly status = 409;
  override readonly code: string = 'conflict';
}

/** A record with that key exists already. */
export class RecordExistsError extends ConflictError {
  override readonly code = 'already-exists';
}

/** The record changed between our read and our write (optimistic concurrency). */
export class VersionConflictError extends ConflictError {
  override readonly code = 'version-conflict';
}

/** A paging cursor that was not issued for this query (or was tampered with). */
export class InvalidCursorError extends ValidationError {}

/** A storage backend failed in a way the caller cannot fix (throttling, 5xx, network). */
export class StorageUnavailableError extends MarrowError {
  override readonly status = 503;
  override readonly code = 'storage-unavailable';
}

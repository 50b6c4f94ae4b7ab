import type { Readable } from 'node:stream';

export interface ArchivedObject {
  /** Key relative to the tenant's prefix, e.g. "masters/ms_…/v1/manifest.json". */
  key: string;
  sizeBytes: number;
  /** When it was written (list() gives it; head() may not). */
  lastModified?: Date;
}

/**
 * The masters bucket, seen through one tenant's prefix (`tenants/{tenantId}/`). Keys are
 * relative to that prefix and checked (no "..", no leading "/", a safe alphabet), so a
 * caller cannot name another tenant's objects.
 */
export interface ObjectArchive {
  put(tenantId: string, key: string, body: Uint8Array | string | Readable, options?: { contentType?: string; contentLength?: number }): Promise<void>;
  /** The whole object, or undefined when there is none. */
  get(tenantId: string, key: string): Promise<Uint8Array | undefined>;
  /** A byte range [start, endInclusive]; explicit ranges only (S3 emulators get suffix ranges wrong). */
  getRange(tenantId: string, key: string, start: number, endInclusive: number): Promise<Uint8Array | undefined>;
  head(tenantId: string, key: string): Promise<ArchivedObject | undefined>;
  /** Every object under a relative prefix ("" for all of the tenant's), in key order, across pages. */
  list(tenantId: string, prefix: string): AsyncIterable<ArchivedObject>;
  /** Deletes the given keys; missing keys are not an error. */
  delete(tenantId: string, keys: readonly string[]): Promise<void>;
  /** A short-lived URL to GET one object without AWS credentials (edges use these). */
  presignGet(tenantId: string, key: string, expiresInSeconds: number): Promise<string>;
  /** A short-lived URL to PUT one object. */
  presignPut(tenantId: string, key: string, expiresInSeconds: number): Promise<string>;
}

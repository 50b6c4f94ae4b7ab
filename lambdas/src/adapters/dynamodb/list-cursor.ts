import { InvalidCursorError } from '../../errors/marrow-error';

/** A DynamoDB key as the catalogue table uses them: every key attribute is a string. */
export type StartKey = Record<string, string>;

/** Which query a cursor belongs to: it may only continue that query. */
export interface CursorQuery {
  scope: string;
  kind: string;
  group: string | null;
}

interface CursorBody {
  s: string;
  k: string;
  g: string | null;
  key: StartKey;
}

/** Generous bound: real cursors are a few hundred bytes; anything larger is not ours. */
const MAX_CURSOR_LENGTH = 4096;

export function encodeListCursor(query: CursorQuery, key: StartKey): string {
  const body: CursorBody = { s: query.scope, k: query.kind, g: query.group, key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor and checks that it was issued for exactly this query. The cursor is
 * not signed, so the caller must also check the key itself (see expectedKey): a cursor is
 * a tenancy boundary, and one edited by hand must not start a page in another partition.
 */
export function decodeListCursor(cursor: string, query: CursorQuery): StartKey {
  const body = parseCursor(cursor);
  if (body.s !== query.scope || body.k !== query.kind || body.g !== query.group) {
    throw new InvalidCursorError('the cursor belongs to a different query');
  }
  return body.key;
}

function parseCursor(cursor: string): CursorBody {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('the cursor is malformed');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError('the cursor is malformed', { cause: error });
  }
  if (!isCursorBody(parsed)) throw new InvalidCursorError('the cursor is malformed');
  return parsed;
}

function isCursorBody(value: unknown): value is CursorBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return (
    typeof body.s === 'string' &&
    typeof body.k === 'string' &&
    (body.g === null || typeof body.g === 'string') &&
    isStartKey(body.key)
  );
}

function isStartKey(value: unknown): value is StartKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([, v]) => typeof v === 'string');
}

/**
 * Checks that a decoded start key has exactly the expected attributes, with the fixed
 * ones (partition keys) equal to what this query reads; `free` names the attributes that
 * may hold any string (the sort keys).
 */
export function checkStartKey(key: StartKey, fixed: Record<string, string>, free: readonly string[]): StartKey {
  const expected = new Set([...Object.keys(fixed), ...free]);
  const actual = Object.keys(key);
  const sameShape = actual.length === expected.size && actual.every((name) => expected.has(name));
  const samePartition = Object.entries(fixed).every(([name, value]) => key[name] === value);
  const nonEmpty = free.every((name) => (key[name] ?? '').length > 0);
  if (!sameShape || !samePartition || !nonEmpty) {
    throw new InvalidCursorError('the cursor belongs to a different query');
  }
  return key;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Imaging servers authenticate with a credential they receive once, at enrolment:
 * "mse1.{tenantId}.{imagingServerId}.{secret}". The tenant and server ids route the lookup;
 * only the secret's SHA-256 is stored, so a leaked table does not leak credentials (the
 * secret has 256 random bits, so a plain hash is enough — no password stretching needed).
 */
const PREFIX = 'mse1';

export interface EdgeCredentialParts {
  tenantId: string;
  imagingServerId: string;
  secret: string;
}

export function newEdgeCredential(tenantId: string, imagingServerId: string): { credential: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { credential: [PREFIX, tenantId, imagingServerId, secret].join('.'), secretHash: sha256(secret) };
}

export function isEdgeCredential(token: string): boolean {
  return token.startsWith(`${PREFIX}.`);
}

export function parseEdgeCredential(token: string): EdgeCredentialParts | undefined {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  const [, tenantId, imagingServerId, secret] = parts as [string, string, string, string];
  if (!/^tn_[0-9A-Z]{26}$/.test(tenantId) || !/^is_[0-9A-Z]{26}$/.test(imagingServerId) || secret.length < 32) return undefined;
  return { tenantId, imagingServerId, secret };
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(sha256(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * One-time enrolment codes are typed by a person at the appliance's console:
 * "MRW-XXXX-XXXX-XXXX-XXXX", 80 random bits in an alphabet without look-alikes.
 */
export function newEnrolmentCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  return `MRW-${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12, 16)}`;
}

/** Codes are looked up by their hash, normalised so that case and dashes do not matter. */
export function enrolmentCodeKey(code: string): string {
  return sha256(code.toUpperCase().replace(/[^A-Z0-9]/g, ''));
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

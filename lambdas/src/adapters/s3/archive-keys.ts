import { ValidationError } from '../../errors/marrow-error';

/**
 * Object keys are `tenants/{tenantId}/{relative key}`. Both halves are checked here, so a
 * relative key can never climb out of its tenant's prefix ("..", a leading "/") or hide
 * a second meaning in odd characters (encoding tricks, "//", ".").
 */

const tenantIdPattern = /^tn_[0-9A-HJKMNP-TV-Z]{26}$/;
const keyAlphabet = /^[A-Za-z0-9/._-]+$/;

/** S3 allows 1024 bytes; the tenant prefix takes 34, and we keep a margin. */
export const MAX_RELATIVE_KEY_LENGTH = 900;

/**
 * s3rver stores each key as a file path, so a segment longer than the file system's 255
 * bytes (minus its "._S3rver_metadata.json" suffixes) makes it crash with an uncaught
 * ENAMETOOLONG. Capping segments keeps a key that works locally working in the cloud and
 * back; our own keys are ids and short names.
 */
export const MAX_SEGMENT_LENGTH = 200;

export function tenantPrefix(tenantId: string): string {
  if (typeof tenantId !== 'string' || !tenantIdPattern.test(tenantId)) {
    throw new ValidationError('tenantId must be a tenant id (tn_…)');
  }
  return `tenants/${tenantId}/`;
}

/** The full key of one object; the relative key must name a file, not a folder. */
export function objectKey(tenantId: string, key: string): string {
  const prefix = tenantPrefix(tenantId);
  checkRelativePath(key, { allowEmpty: false, allowTrailingSlash: false });
  return prefix + key;
}

/** The full prefix to list under; "" lists all of the tenant's objects, "a/" one folder. */
export function listPrefix(tenantId: string, prefix: string): string {
  const base = tenantPrefix(tenantId);
  checkRelativePath(prefix, { allowEmpty: true, allowTrailingSlash: true });
  return base + prefix;
}

function checkRelativePath(path: string, rules: { allowEmpty: boolean; allowTrailingSlash: boolean }): void {
  if (typeof path !== 'string') throw new ValidationError('object key must be a string');
  if (path === '') {
    if (rules.allowEmpty) return;
    throw new ValidationError('object key must not be empty');
  }
  if (path.length > MAX_RELATIVE_KEY_LENGTH) {
    throw new ValidationError(`object key must be at most ${MAX_RELATIVE_KEY_LENGTH} characters`);
  }
  if (!keyAlphabet.test(path)) {
    throw new ValidationError('object key may hold only letters, digits and / . _ -');
  }
  if (path.startsWith('/')) throw new ValidationError('object key must not start with "/"');
  if (path.includes('//')) throw new ValidationError('object key must not contain "//"');
  const segments = path.split('/');
  if (segments[segments.length - 1] === '') {
    if (!rules.allowTrailingSlash) throw new ValidationError('object key must not end with "/"');
    segments.pop();
  }
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new ValidationError('object key must not contain "." or ".." segments');
  }
  if (segments.some((segment) => segment.length > MAX_SEGMENT_LENGTH)) {
    throw new ValidationError(`object key segments must be at most ${MAX_SEGMENT_LENGTH} characters`);
  }
}

import { printable } from './packet-codec';
import { TftpAccessViolationError } from './errors';

/**
 * What a requested file name may be, before any source looks at it. TFTP has no
 * directories of its own (RFC 1350 §1 leaves names to the host), so we decide:
 *
 * - a leading "/" (or several) means "from the root": PXE ROMs and pxelinux often ask for
 *   "/pxelinux.0"; the name is never taken as an absolute path of the appliance;
 * - "\" is a separator too (Windows-minded ROMs and WDS configs send "boot\x64\wdsnbp.com");
 * - "." and empty segments are dropped; ".." anywhere is refused, even where it would stay
 *   inside the root ("a/../b"), so no name can ever climb;
 * - NUL, control characters and invalid UTF-8 are refused.
 *
 * Refusals are ERROR 2 (access violation). The result is the list of path segments.
 */
export function requestedPathSegments(name: string): string[] {
  if (name.includes('\ufffd')) throw new TftpAccessViolationError('file name is not valid UTF-8');
  if (/[\x00-\x1f\x7f]/.test(name)) throw new TftpAccessViolationError(`control character in file name "${printable(name)}"`);
  const segments = name.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new TftpAccessViolationError(`".." is not allowed in file names ("${printable(name)}")`);
  if (segments.length === 0) throw new TftpAccessViolationError(`"${printable(name)}" names no file`);
  return segments;
}

/** The canonical form of a requested name ("/boot\\x.efi" → "boot/x.efi"), for lookups by name. */
export function canonicalRequestedPath(name: string): string {
  return requestedPathSegments(name).join('/');
}

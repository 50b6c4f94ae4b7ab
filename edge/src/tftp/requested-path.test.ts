import { describe, expect, it } from 'vitest';
import { TftpAccessViolationError } from './errors';
import { canonicalRequestedPath } from './requested-path';

describe('requested file names', () => {
  it.each([
    ['pxelinux.0', 'pxelinux.0'],
    ['/pxelinux.0', 'pxelinux.0'], // root-relative, never an absolute path of the appliance
    ['//boot///x.efi', 'boot/x.efi'],
    ['./a/./b', 'a/b'],
    ['boot\\x64\\wdsnbp.com', 'boot/x64/wdsnbp.com'], // backslashes are separators
    ['/etc/passwd', 'etc/passwd'], // looked up under the root
    ['a..b/c..', 'a..b/c..'], // ".." only matters as a whole segment
    ['Ünïcode.cfg', 'Ünïcode.cfg'],
  ])('%j → %j', (name, canonical) => {
    expect(canonicalRequestedPath(name)).toBe(canonical);
  });

  it.each([
    ['../etc/passwd', /"\.\." is not allowed/],
    ['a/../../x', /"\.\." is not allowed/],
    ['a/../b', /"\.\." is not allowed/], // refused even when it would stay inside
    ['..\\..\\windows', /"\.\." is not allowed/],
    ['/..', /"\.\." is not allowed/],
    ['file\0.txt', /control character/],
    ['file\n', /control character/],
    ['\x7f', /control character/],
    ['/', /names no file/],
    ['./', /names no file/],
    ['bad\ufffdutf8', /not valid UTF-8/],
  ])('%j is an access violation', (name, reason) => {
    expect(() => canonicalRequestedPath(name)).toThrow(TftpAccessViolationError);
    expect(() => canonicalRequestedPath(name)).toThrow(reason);
  });
});

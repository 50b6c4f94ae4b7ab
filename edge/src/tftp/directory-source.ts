import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { openDiskFile } from './disk-file';
import { TftpAccessViolationError, TftpFileNotFoundError, TftpRootMissingError, TftpRootNotDirectoryError } from './errors';
import type { TftpFile, TftpFileSource } from './file-source';
import { requestedPathSegments } from './requested-path';

/**
 * Files under one directory, and nothing outside it (design §6: "TFTP is read-only, jailed
 * to its root, refuses traversal"). Names are vetted by `requestedPathSegments` ("/x" is
 * root-relative, ".." refused); then the real path (symlinks resolved) must still lie in
 * the root, so a symlink pointing out of the root is refused with ERROR 2.
 */
class DirectorySource implements TftpFileSource {
  constructor(private readonly root: string) {}

  async open(name: string): Promise<TftpFile> {
    const candidate = join(this.root, ...requestedPathSegments(name));
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'ELOOP') throw new TftpAccessViolationError(`${name} is not reachable`, { cause: error });
      throw new TftpFileNotFoundError(name, { cause: error });
    }
    const prefix = this.root.endsWith(sep) ? this.root : this.root + sep;
    if (!real.startsWith(prefix)) throw new TftpAccessViolationError(`${name} resolves outside the TFTP root`);
    return openDiskFile(real, name);
  }
}

/** Throws `TftpRootMissingError` / `TftpRootNotDirectoryError` when `root` is unusable. */
export async function createDirectorySource(root: string): Promise<TftpFileSource> {
  let real: string;
  try {
    real = await realpath(root);
  } catch (error) {
    throw new TftpRootMissingError(root, { cause: error });
  }
  if (!(await stat(real)).isDirectory()) throw new TftpRootNotDirectoryError(root);
  return new DirectorySource(real);
}

import { isAbsolute } from 'node:path';
import { openDiskFile } from './disk-file';
import { TftpError, TftpFileNotFoundError } from './errors';
import type { TftpFile, TftpFileSource } from './file-source';
import { canonicalRequestedPath } from './requested-path';

/**
 * Virtual names mapped to absolute paths, e.g. "undionly.kpxe" → /usr/lib/ipxe/undionly.kpxe
 * from Debian's ipxe package. The file may live outside any TFTP root because the mapping
 * is explicit; only the exact names in the map are served (after the same canonical form as
 * every request: "/undionly.kpxe" and "undionly.kpxe" are one name).
 */
class MappedFilesSource implements TftpFileSource {
  constructor(private readonly files: ReadonlyMap<string, string>) {}

  async open(name: string): Promise<TftpFile> {
    const path = this.files.get(canonicalRequestedPath(name));
    if (path === undefined) throw new TftpFileNotFoundError(name);
    return openDiskFile(path, name);
  }
}

/** Throws `TftpError` for a name no client could ask for or a path that is not absolute. */
export function createMappedFilesSource(files: Readonly<Record<string, string>> | ReadonlyMap<string, string>): TftpFileSource {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  const map = new Map<string, string>();
  for (const [name, path] of entries) {
    if (!isAbsolute(path)) throw new TftpError(`mapped TFTP file ${name}: ${path} is not an absolute path`);
    let canonical: string;
    try {
      canonical = canonicalRequestedPath(name);
    } catch (error) {
      throw new TftpError(`mapped TFTP file name "${name}" is not a valid TFTP name`, { cause: error });
    }
    map.set(canonical, path);
  }
  return new MappedFilesSource(map);
}

import { open, type FileHandle } from 'node:fs/promises';
import { TftpAccessViolationError, TftpFileNotFoundError } from './errors';
import type { TftpFile } from './file-source';

/** A regular file on the appliance's disk, opened for one transfer. */
class DiskFile implements TftpFile {
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(target: Buffer, offset: number, length: number, position: number): Promise<number> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, offset + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Opens `path` (already vetted by the caller) for reading. Missing files are ERROR 1,
 * unreadable ones ERROR 2; anything but a regular file (a directory, a FIFO) is "not found"
 * so a client cannot tell a directory from nothing. `name` is what the client asked for.
 */
export async function openDiskFile(path: string, name: string): Promise<TftpFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (code(error) === 'EACCES' || code(error) === 'EPERM') throw new TftpAccessViolationError(`${name} is not readable`, { cause: error });
    throw new TftpFileNotFoundError(name, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new TftpFileNotFoundError(name, { detail: 'not a regular file' });
    return new DiskFile(handle, stats.size);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

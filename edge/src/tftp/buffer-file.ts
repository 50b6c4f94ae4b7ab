import type { TftpFile } from './file-source';

/** A file held in memory: generated content, or a netascii rendering of a file. */
export function bufferFile(content: Buffer): TftpFile {
  return {
    size: content.length,
    read(target, offset, length, position) {
      const end = Math.min(content.length, position + length);
      return Promise.resolve(position >= end ? 0 : content.copy(target, offset, position, end));
    },
    close: () => Promise.resolve(),
  };
}

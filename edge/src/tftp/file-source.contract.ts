import { describe, expect, it } from 'vitest';
import { TftpAccessViolationError, TftpFileNotFoundError } from './errors';
import type { TftpFile, TftpFileSource, TftpRequestContext } from './file-source';

/**
 * The contract every `TftpFileSource` adapter passes. `setup` returns a source that serves
 * `hello.txt` ("hello, world\n"), an empty `empty.bin`, and `boot/deep.cfg` ("deep\n"),
 * and nothing named `missing.bin`.
 */
export const contractFiles = { 'hello.txt': 'hello, world\n', 'empty.bin': '', 'boot/deep.cfg': 'deep\n' } as const;

const context: TftpRequestContext = { remoteAddress: '127.0.0.1', remotePort: 40000 };

async function readAll(file: TftpFile): Promise<string> {
  const out = Buffer.alloc(file.size);
  const n = await file.read(out, 0, file.size, 0);
  return out.subarray(0, n).toString();
}

export function fileSourceContract(name: string, setup: () => Promise<{ source: TftpFileSource; teardown?: () => Promise<void> }>): void {
  describe(`TftpFileSource contract: ${name}`, () => {
    const withSource = (test: (source: TftpFileSource) => Promise<void>) => async () => {
      const { source, teardown } = await setup();
      try {
        await test(source);
      } finally {
        await teardown?.();
      }
    };

    it(
      'opens a file: size, whole read, ranged reads, end of file',
      withSource(async (source) => {
        const file = await source.open('hello.txt', context);
        try {
          expect(file.size).toBe(13);
          expect(await readAll(file)).toBe('hello, world\n');
          const part = Buffer.alloc(5);
          expect(await file.read(part, 0, 5, 7)).toBe(5);
          expect(part.toString()).toBe('world');
          const tail = Buffer.alloc(10);
          expect(await file.read(tail, 2, 8, 10)).toBe(3); // short only at the end
          expect(tail.subarray(2, 5).toString()).toBe('ld\n');
          expect(await file.read(tail, 0, 4, 13)).toBe(0);
        } finally {
          await file.close();
        }
      }),
    );

    it(
      'serves an empty file and a file in a subdirectory',
      withSource(async (source) => {
        const empty = await source.open('empty.bin', context);
        expect(empty.size).toBe(0);
        await empty.close();
        const deep = await source.open('boot/deep.cfg', context);
        expect(await readAll(deep)).toBe('deep\n');
        await deep.close();
      }),
    );

    it(
      'treats a leading "/" and backslashes as the same name',
      withSource(async (source) => {
        for (const name of ['/hello.txt', '//hello.txt', 'boot\\deep.cfg', '/boot/./deep.cfg']) {
          const file = await source.open(name, context);
          expect(file.size).toBeGreaterThan(0);
          await file.close();
        }
      }),
    );

    it(
      'answers a missing file with TftpFileNotFoundError (ERROR 1)',
      withSource(async (source) => {
        await expect(source.open('missing.bin', context)).rejects.toBeInstanceOf(TftpFileNotFoundError);
        await expect(source.open('missing.bin', context)).rejects.toMatchObject({ tftpCode: 1 });
      }),
    );

    it(
      'refuses traversal and control characters with TftpAccessViolationError (ERROR 2)',
      withSource(async (source) => {
        for (const name of ['../hello.txt', 'boot/../hello.txt', 'a/../../etc/passwd', '..\\hello.txt', 'hello.txt\0', 'hel\nlo.txt']) {
          await expect(source.open(name, context), name).rejects.toBeInstanceOf(TftpAccessViolationError);
        }
      }),
    );
  });
}

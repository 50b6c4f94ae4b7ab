import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createCompositeSource } from '../composite-source';
import { createDirectorySource } from '../directory-source';
import { createGeneratedSource } from '../generated-source';
import { createMappedFilesSource } from '../mapped-files-source';
import type { TftpLogEntry } from '../tftp-log';
import { startTftpServer, type TftpServer, type TftpServerOptions } from '../tftp-server';
import { makeTempRoot, patternBytes, type TempRoot } from './temp-root';

/**
 * The served tree of the loopback server tests: f0…f100000.bin, boot/menu.cfg (LF, CR LF
 * and a bare CR), big.bin when asked (40 MiB + 1234: 81 923 blocks at blksize 512, past the
 * 16-bit block number), a generated file, a mapped file outside the root, and a symlink out.
 */
export interface ServedTree {
  readonly temp: TempRoot;
  readonly files: ReadonlyMap<string, Buffer>;
  serve(options?: TftpServerOptions, log?: (e: TftpLogEntry) => void): Promise<TftpServer>;
}

export async function makeServedTree(options: { big?: boolean } = {}): Promise<ServedTree> {
  const temp = await makeTempRoot();
  const files = new Map<string, Buffer>();
  const add = async (name: string, content: Buffer): Promise<void> => {
    files.set(name, content);
    await temp.write(name, content);
  };
  for (const size of [0, 511, 512, 513, 1468, 100_000]) await add(`f${size}.bin`, patternBytes(size, size + 1));
  await add('boot/menu.cfg', Buffer.from('default local\r\nlabel local\n  localboot 0\n\rbare CR\n'));
  if (options.big) await add('big.bin', randomBytes(40 * 1024 * 1024 + 1234));
  files.set('undionly.kpxe', patternBytes(70_000, 9));
  await temp.write('../outside/undionly.kpxe', files.get('undionly.kpxe')!);
  await temp.link('escape.txt', join(temp.outside, 'secret.txt'));
  const serve = async (serverOptions: TftpServerOptions = {}, log?: (e: TftpLogEntry) => void): Promise<TftpServer> => {
    const source = createCompositeSource([
      createGeneratedSource({ 'generated/client.ipxe': async (ctx) => Buffer.from(`#!ipxe\necho hello ${ctx.remoteAddress}\n`) }),
      createMappedFilesSource({ 'undionly.kpxe': join(temp.outside, 'undionly.kpxe') }),
      await createDirectorySource(temp.root),
    ]);
    return startTftpServer({ address: '127.0.0.1', port: 0, source, options: { timeoutMs: 150, maxRetries: 3, ...serverOptions }, ...(log ? { log } : {}) });
  };
  return { temp, files, serve };
}

/** Polls until `condition` holds (or fails after `ms`). */
export async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

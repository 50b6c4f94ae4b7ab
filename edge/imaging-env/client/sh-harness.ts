import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach } from 'vitest';

/** Runs the imaging environment's shell code with the host's /bin/sh (dash or busybox ash). */
export const CLIENT_DIR = __dirname;
const exec = promisify(execFile);

export async function sh(script: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec('sh', ['-c', script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARROW_HOME: CLIENT_DIR, ...env },
      timeout: 20_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  }
}

/** `. lib/common.sh; . lib/…` then the script. */
export function withLibs(script: string, ...libs: string[]): string {
  return [...['common', ...libs].map((lib) => `. "$MARROW_HOME/lib/${lib}.sh"`), script].join('\n');
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'marrow-imaging-env-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * For a test file: `temp()` makes a temporary directory and `listen(server)` starts a fake edge
 * on 127.0.0.1 (answering its base URL); after each test, what that test made is removed or
 * closed, the last first.
 */
export function cleanedAfterEach(): { temp: () => Promise<string>; listen: (server: Server) => Promise<string> } {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return {
    temp: async () => {
      const { dir, cleanup } = await tempDir();
      cleanups.push(cleanup);
      return dir;
    },
    listen: async (server) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}

/** An 85-byte ACPI MSDM table holding KEY, with a correct checksum (as firmware ships it). */
export function msdmTable(key: string, { breakChecksum = false } = {}): Buffer {
  const table = Buffer.alloc(85);
  table.write('MSDM', 0, 'ascii');
  table.writeUInt32LE(85, 4);
  table.writeUInt8(3, 8);
  table.write('MARROW', 10, 'ascii');
  table.write('MARROWTB', 16, 'ascii');
  table.writeUInt32LE(1, 24);
  table.write('MRRW', 28, 'ascii');
  table.writeUInt32LE(1, 32);
  table.writeUInt32LE(1, 36); // version
  table.writeUInt32LE(0, 40); // reserved
  table.writeUInt32LE(1, 44); // data type
  table.writeUInt32LE(0, 48); // reserved
  table.writeUInt32LE(29, 52); // data length
  table.write(key, 56, 'ascii');
  let sum = 0;
  for (const byte of table) sum = (sum + byte) & 0xff;
  table.writeUInt8(((256 - sum) & 0xff) ^ (breakChecksum ? 1 : 0), 9);
  return table;
}

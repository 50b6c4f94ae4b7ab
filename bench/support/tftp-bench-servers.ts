import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fetchTftp } from '../../edge/src/tftp/index';

/**
 * The two TFTP servers a TFTP benchmark compares, each in its own process on 127.0.0.1:
 * Marrow's (`marrow-edge tftp`, the command an operator runs) and tftpd-hpa's `in.tftpd`
 * in the foreground (-L), started and stopped by the benchmark.
 */

const REPO = resolve(import.meta.dirname, '../..');
export const UNDIONLY = '/usr/lib/ipxe/undionly.kpxe';

export interface RunningServer {
  readonly name: string;
  readonly port: number;
  stop(): Promise<void>;
}

export function commandPath(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // next
    }
  }
  return undefined;
}

/** Commands a TFTP bench needs that are missing (install them with test/e2e/install-packages.sh). */
export function missingCommands(names: readonly string[]): string[] {
  return names.filter((name) => !commandPath(name));
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited; // PID 1 here does not reap orphans: always wait for our children
    clearTimeout(timer);
  };
}

export async function startMarrowTftp(root: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(REPO, 'edge/bin/marrow-edge.js'), 'tftp', '--root', root, '--port', '0', '--address', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /TFTP serving .* on 127\.0\.0\.1:(\d+)/.exec(output);
    if (match) return { name: 'marrow', port: Number(match[1]), stop: stopper(child) };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`marrow-edge tftp did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

/** tftpd-hpa 5.2: `in.tftpd -L -a 127.0.0.1:PORT -s ROOT`; ready once it serves `probe`. */
export async function startTftpdHpa(root: string, probe: string): Promise<RunningServer> {
  const port = await freeUdpPort();
  const child = spawn(commandPath('in.tftpd') ?? 'in.tftpd', ['-L', '-a', `127.0.0.1:${port}`, '-s', root], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetchTftp({ host: '127.0.0.1', port, filename: probe, timeoutMs: 200, retries: 2 });
      return { name: 'tftpd-hpa', port, stop: stopper(child) };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`in.tftpd did not start: ${(error as Error).message}\n${output}`);
    }
  }
}

export interface BenchRoot {
  readonly root: string;
  remove(): Promise<void>;
}

/**
 * A TFTP root both servers can read: tftpd-hpa drops to user nobody and chroots, so the
 * directory is 0755 and files 0644. `files` maps names to sizes (random bytes), or to a
 * path to copy.
 */
export async function makeBenchRoot(files: Readonly<Record<string, number | string>>): Promise<BenchRoot> {
  const root = await mkdtemp(join(tmpdir(), 'marrow-tftp-bench-'));
  await chmod(root, 0o755);
  for (const [name, spec] of Object.entries(files)) {
    const path = join(root, name);
    if (typeof spec === 'string') await copyFile(spec, path);
    else await writeFile(path, randomBytes(spec));
    await chmod(path, 0o644);
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

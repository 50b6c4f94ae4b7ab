import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fetchTftp } from '../../edge/src/tftp/index';
import { findProgram } from '../../edge/src/lifecycle/find-program';

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
  /** CPU time the server has used so far, its exited children included (tftpd-hpa forks one per transfer), in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** Linux's USER_HZ: /proc/PID/stat counts CPU time in 1/100 s. */
const TICKS_PER_SECOND = 100;

/** utime + stime + cutime + cstime of a live process (proc(5)), in ms; NaN once it is gone. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0); // fields 14–17
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Full path of a command on PATH or in the sbin directories, or undefined. */
export const commandPath = findProgram;

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

export async function startMarrowTftp(root: string, extraArgs: readonly string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(REPO, 'edge/bin/marrow-edge.js'), 'tftp', '--root', root, '--port', '0', '--address', '127.0.0.1', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /TFTP serving .* on 127\.0\.0\.1:(\d+)/.exec(output);
    if (match) return { name: 'marrow', port: Number(match[1]), cpuMs: () => processCpuMs(child.pid), stop: stopper(child) }; // one process, no children
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
      const children = watchChildrenCpu(child.pid!);
      const stop = stopper(child);
      return {
        name: 'tftpd-hpa',
        port,
        cpuMs: () => processCpuMs(child.pid) + children.cpuMs(),
        stop: async () => {
          children.stop();
          await stop();
        },
      };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`in.tftpd did not start: ${(error as Error).message}\n${output}`);
    }
  }
}

/** How often the children of tftpd-hpa are looked at: a child's last CPU up to this long before it exits is missed. */
const CHILD_POLL_MS = 10;

/**
 * tftpd-hpa serves each transfer from a forked child and ignores SIGCHLD, so its children are
 * reaped without their CPU time reaching the parent's cutime. Their CPU is read from /proc
 * while they live (each child's last reading counts); the figure can fall short by the CPU a
 * child uses in its last CHILD_POLL_MS, which understates the anchor's cost, never ours.
 */
function watchChildrenCpu(pid: number): { cpuMs(): number; stop(): void } {
  const lastSeen = new Map<number, number>();
  const look = () => {
    let list: string;
    try {
      list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    } catch {
      return;
    }
    for (const word of list.split(' ')) {
      if (!word.trim()) continue;
      const ms = processCpuMs(Number(word));
      if (!Number.isNaN(ms)) lastSeen.set(Number(word), ms);
    }
  };
  const timer = setInterval(look, CHILD_POLL_MS);
  return {
    cpuMs: () => {
      look();
      return [...lastSeen.values()].reduce((a, b) => a + b, 0);
    },
    stop: () => clearInterval(timer),
  };
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

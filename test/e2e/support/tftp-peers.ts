import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findProgram } from '../../../edge/src/lifecycle/find-program';

/**
 * Real TFTP clients (Debian tftp-hpa, atftp, curl) run against a server on 127.0.0.1, and
 * the files they fetch. Used by test/e2e/tftp-peers.test.ts; each client keeps its quirks
 * here so the test reads as what is being checked.
 */

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const PEER_COMMANDS = ['tftp', 'atftp', 'curl'] as const;
/** Debian's iPXE for BIOS, what a PXE ROM fetches first (package ipxe). */
export const UNDIONLY = '/usr/lib/ipxe/undionly.kpxe';

const exec = promisify(execFile);

/** Full path of a command on PATH or in the sbin directories, or undefined. */
export const commandPath = findProgram;

export function missingPeers(): string[] {
  return PEER_COMMANDS.filter((name) => !commandPath(name));
}

/** As root, installs the clients with test/e2e/install-packages.sh when some are missing. */
export async function ensurePeers(): Promise<void> {
  if (missingPeers().length === 0) return;
  await exec('bash', [join(REPO_ROOT, 'test/e2e/install-packages.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  const still = missingPeers();
  if (still.length > 0) throw new Error(`${still.join(', ')} still missing after test/e2e/install-packages.sh`);
}

export interface ClientRun {
  readonly code: number | null;
  readonly output: string;
  readonly ms: number;
}

/** Runs a client to completion; never throws on a non-zero exit (the test decides). */
export function runClient(command: string, args: readonly string[], timeoutMs = 120_000): Promise<ClientRun> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output, ms: Date.now() - started });
    });
  });
}

/**
 * tftp-hpa 5.2: no RFC 2347 options at all (plain RFC 1350 requests), and it exits 0 even
 * when the server refuses: errors show only as "Error code N: …" in its output.
 */
export function tftpHpaGet(port: number, file: string, out: string, mode: 'binary' | 'netascii' = 'binary'): Promise<ClientRun> {
  return runClient('tftp', ['-v', '-m', mode, '127.0.0.1', String(port), '-c', 'get', file, out]);
}

/** atftp 0.8: options as "--option 'name value'"; "tsize enable" goes on the wire as "tsize\0enable\0". */
export function atftpGet(port: number, file: string, out: string, options: readonly string[] = []): Promise<ClientRun> {
  return runClient('atftp', ['--get', '-r', file, '-l', out, ...options.flatMap((o) => ['--option', o]), '127.0.0.1', String(port)]);
}

/**
 * curl 7.88: sends tsize 0, blksize 512 and timeout 6 unless --tftp-no-options; refuses an
 * OACK with "tsize 0"; exit 68 = ERROR 1, 69 = ERROR 2; its error text for both is a stale
 * "getpeername() failed with errno 107".
 */
export function curlGet(port: number, file: string, out: string, args: readonly string[] = []): Promise<ClientRun> {
  return runClient('curl', ['-sS', '--path-as-is', '--max-time', '110', ...args, `tftp://127.0.0.1:${port}/${file}`, '-o', out]);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface PeerFixture {
  readonly base: string;
  /** The TFTP root. */
  readonly root: string;
  /** Where clients write what they fetch (outside the root). */
  readonly downloads: string;
  /** File name → sha256 of its content. */
  readonly sha256: ReadonlyMap<string, string>;
  remove(): Promise<void>;
}

/**
 * A TFTP root with f0/f511/f512/f513.bin (the RFC 1350 §6 edges around one 512-octet
 * block), big.bin (100 MB: more than 65 535 blocks at blksize 512 and at 1468), a text file
 * with LF, CR LF and a bare CR, undionly.kpxe (Debian's, or 70 KB of random bytes), and a
 * symlink pointing out of the root.
 */
export async function makePeerFixture(bigSize = 100_000_000): Promise<PeerFixture> {
  const base = await mkdtemp(join(tmpdir(), 'marrow-tftp-peers-'));
  const root = join(base, 'root');
  const downloads = join(base, 'downloads');
  await mkdir(root);
  await mkdir(downloads);
  const sha256 = new Map<string, string>();
  const put = async (name: string, content: Buffer): Promise<void> => {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    sha256.set(name, createHash('sha256').update(content).digest('hex'));
  };
  for (const size of [0, 511, 512, 513]) await put(`f${size}.bin`, randomBytes(size));
  await put('big.bin', randomBytes(bigSize));
  await put('boot/menu.cfg', Buffer.from('#!ipxe\nmenu Marrow\r\nitem local Boot from disk\n\rbare CR\nchoose target && goto ${target}\n'));
  try {
    await copyFile(UNDIONLY, join(root, 'undionly.kpxe'));
    sha256.set('undionly.kpxe', await sha256File(UNDIONLY));
  } catch {
    await put('undionly.kpxe', randomBytes(70_000));
  }
  await writeFile(join(base, 'secret.txt'), 'outside the TFTP root\n');
  await symlink(join(base, 'secret.txt'), join(root, 'escape.txt'));
  return { base, root, downloads, sha256, remove: () => rm(base, { recursive: true, force: true }) };
}

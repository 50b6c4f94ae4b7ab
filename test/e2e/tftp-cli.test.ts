import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTftp } from '../../edge/src/tftp/index';
import { REPO_ROOT } from './support/tftp-peers';

/**
 * `marrow-edge tftp` as a person runs it: it says where it serves, serves until Ctrl-C or
 * SIGTERM and exits 0; a problem it cannot get past is one line on stderr and exit 1.
 */
const BIN = join(REPO_ROOT, 'edge/bin/marrow-edge.js');
const running = new Set<ChildProcess>();
let dir: string;

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

function start(args: string[], options: { uid?: number; gid?: number } = {}): Started {
  const child = spawn(process.execPath, [BIN, 'tftp', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exit };
}

async function serving(started: Started): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /TFTP serving (.+) on 127\.0\.0\.1:(\d+)/.exec(started.output());
    if (match) return Number(match[2]);
    if (started.child.exitCode !== null || Date.now() > deadline) throw new Error(`marrow-edge tftp did not come up:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function failsWith(args: string[], code: number, options: { uid?: number; gid?: number } = {}): Promise<string> {
  const started = start(args, options);
  expect(await started.exit).toBe(code);
  const output = started.output();
  expect(output).not.toMatch(/\n\s+at /); // no stack trace
  return output;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-tftp-cli-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'pxelinux.0'), 'boot me\n');
  await writeFile(`${dir}-mapped.bin`, 'mapped\n');
});
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}-mapped.bin`, { force: true });
});

describe('marrow-edge tftp', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('serves --root until %s, then exits 0', async (signal) => {
    const started = start(['--root', dir, '--port=0', '--address', '127.0.0.1', '--map', `undionly.kpxe=${dir}-mapped.bin`]);
    const port = await serving(started);
    expect(started.output()).toContain(`TFTP serving ${dir} on 127.0.0.1:${port}`);
    expect((await fetchTftp({ host: '127.0.0.1', port, filename: '/pxelinux.0' })).data!.toString()).toBe('boot me\n');
    expect((await fetchTftp({ host: '127.0.0.1', port, filename: 'undionly.kpxe', blksize: 1468, tsize: true })).data!.toString()).toBe('mapped\n');
    started.child.kill(signal);
    expect(await started.exit).toBe(0);
    expect(started.output()).toContain(`${signal}: stopping TFTP`);
  });

  it('a missing root: one line, exit 1', async () => {
    const output = await failsWith(['--root', '/nonexistent/tftp', '--port', '0', '--address', '127.0.0.1'], 1);
    expect(output.trim()).toBe('marrow-edge tftp: TFTP root /nonexistent/tftp does not exist');
  });

  it('a port in use: one line, exit 1', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      const output = await failsWith(['--root', dir, '--port', String(port), '--address', '127.0.0.1'], 1);
      expect(output.trim()).toBe(`marrow-edge tftp: port ${port} on 127.0.0.1 is already in use (another TFTP server?)`);
    } finally {
      blocker.close();
    }
  });

  it.skipIf(process.getuid?.() !== 0)('port 69 without privileges (run as nobody): one line, exit 1', async () => {
    const output = await failsWith(['--root', dir, '--address', '127.0.0.1'], 1, { uid: 65534, gid: 65534 });
    expect(output.trim()).toBe('marrow-edge tftp: binding port 69 needs root or CAP_NET_BIND_SERVICE');
  });

  it.each([
    [[], /--root DIR is required/],
    [['--root', '/tmp', '--port', 'abc'], /--port must be a number 0\.\.65535/],
    [['--root', '/tmp', '--port', '70000'], /--port must be a number/],
    [['--root', '/tmp', '--bogus'], /Unknown option '--bogus'/],
    [['--root', '/tmp', '--map', 'nopath'], /--map wants NAME=PATH/],
    [['--root', '/tmp', '--busy-poll-us', '20000'], /--busy-poll-us must be a number 0\.\.10000/],
  ])('bad usage %j: the reason and the usage, exit 2', async (args, reason) => {
    const output = await failsWith(args, 2);
    expect(output).toMatch(reason);
    expect(output).toContain('usage: marrow-edge tftp --root DIR');
  });

  it('--help prints the usage and exits 0', async () => {
    const started = start(['--help']);
    expect(await started.exit).toBe(0);
    expect(started.output()).toContain('--map NAME=PATH');
  });
});

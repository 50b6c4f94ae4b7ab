import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetnsLab, type Bridge, type Link, type Namespace, type NetnsLab } from './netns';
import { REPO_ROOT } from './netns-node';
import type { Command, PxeSiteOptions, PxeSiteReady } from './pxe-site';

/**
 * The PXE lab of pxe-boot.test.ts: one virtual LAN, everything inside network namespaces.
 *
 *   site (marrow-pxe-…-site): bridge br0 10.77.0.1/24 + fd77::1/64, tap0 for the VM (on br0);
 *         Marrow (pxe-site.ts: control plane + edge with ProxyDHCP 67/4011, TFTP 69, HTTP 8080)
 *         and QEMU run here.
 *   dhcp (marrow-pxe-…-dhcp): eth0 10.77.0.2/24 + fd77::2/64 on br0; dnsmasq, the site's plain
 *         DHCP server (addresses only, no boot options) and IPv6 RAs (spare iPXE its 16 s wait).
 *
 * dnsmasq and Marrow's ProxyDHCP cannot share one namespace: dnsmasq binds 0.0.0.0:67 (on
 * br0), after which Marrow's 10.77.0.1:67 and 255.255.255.255:67 fail with EADDRINUSE. On a
 * real site the DHCP server is another box anyway, so it gets a namespace of its own.
 */
const exec = promisify(execFile);

/** A command for pxe-site.ts, without the id the client adds. */
export type SiteRequest = Command extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export const SITE_ADDRESS = '10.77.0.1';
export const DHCP_ADDRESS = '10.77.0.2';
export const HTTP_PORT = 8080;
export const TAP = 'tap0';
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** Looked up when needed: the test may install it in beforeAll, after this module loaded. */
export const dnsmasqPath = (): string | undefined => ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq'].find((path) => existsSync(path));

export interface PxeNetwork {
  lab: NetnsLab;
  site: Namespace;
  dhcp: Namespace;
  bridge: Bridge;
  dhcpLink: Link;
}

export async function createPxeNetwork(): Promise<PxeNetwork> {
  const lab = await createNetnsLab('pxe');
  try {
    const site = await lab.namespace('site');
    const bridge = await lab.bridge(site);
    const ip = (...args: string[]) => exec('ip', ['-n', site.name, ...args], { timeout: 10_000 });
    await ip('addr', 'add', `${SITE_ADDRESS}/24`, 'brd', '+', 'dev', bridge.device);
    await ip('addr', 'add', 'fd77::1/64', 'dev', bridge.device, 'nodad');
    await addTap({ site, bridge }, TAP);
    const dhcp = await lab.namespace('dhcp');
    const dhcpLink = await lab.attach(dhcp, bridge, `${DHCP_ADDRESS}/24`);
    await exec('ip', ['-n', dhcp.name, 'addr', 'add', 'fd77::2/64', 'dev', dhcpLink.device, 'nodad'], { timeout: 10_000 });
    return { lab, site, dhcp, bridge, dhcpLink };
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

/** A tap device `name` on the site's bridge, for a VM (`bootVm`'s `tap`): tap0 exists from the start, more VMs at once need more. */
export async function addTap(network: Pick<PxeNetwork, 'site' | 'bridge'>, name: string): Promise<void> {
  const ip = (...args: string[]) => exec('ip', ['-n', network.site.name, ...args], { timeout: 10_000 });
  await ip('tuntap', 'add', 'dev', name, 'mode', 'tap');
  await ip('link', 'set', name, 'master', network.bridge.device);
  await ip('link', 'set', name, 'up');
}

/** Waits until `test` holds, polling; throws with `describe()` after `ms`. */
export async function until(test: () => boolean | Promise<boolean>, ms: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** A serial console log as text: terminal escapes, carriage returns and control bytes removed. */
export function cleanSerial(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\x1b[()][A-Z0-9]/g, '')
    .replace(/\r/g, '')
    .replace(/[^\x09\x0a\x20-\x7e]/g, '');
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'latin1').catch(() => '');
}

/**
 * dnsmasq as the site's DHCP server (no boot options) and IPv6 router advertiser, in the dhcp
 * namespace. Tethered to our stdin pipe: should this process die without cleaning up, the
 * pipe closes and the wrapper stops dnsmasq (no orphan left for a PID 1 that does not reap).
 */
export async function startDnsmasq(network: PxeNetwork, work: string): Promise<{ child: ChildProcess; logFile: string }> {
  const dnsmasq = dnsmasqPath();
  if (!dnsmasq) throw new Error('dnsmasq is not installed (test/e2e/install-packages.sh)');
  const logFile = join(work, 'dnsmasq.log');
  const args = [
    '--keep-in-foreground', '--conf-file=/dev/null', '--user=root', '--port=0', '--no-ping',
    `--interface=${network.dhcpLink.device}`, '--bind-interfaces', '--dhcp-authoritative',
    '--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h',
    '--enable-ra', '--dhcp-range=fd77::,ra-only',
    `--dhcp-leasefile=${join(work, 'dnsmasq.leases')}`, `--pid-file=${join(work, 'dnsmasq.pid')}`,
    '--log-dhcp', `--log-facility=${logFile}`,
  ];
  const tether = [
    'exec 3<&0',
    '"$@" </dev/null & p=$!',
    '{ while read -r _ <&3; do :; done; kill "$p" 2>/dev/null; } & w=$!',
    'wait "$p"; rc=$?',
    'kill "$w" 2>/dev/null',
    'exit "$rc"',
  ].join('\n');
  const child = network.lab.spawn(network.dhcp, 'bash', ['-c', tether, 'dnsmasq-tether', dnsmasq, ...args]);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await until(
    async () => (await readText(logFile)).includes('DHCP, IP range') || child.exitCode !== null,
    10_000,
    () => `dnsmasq did not start:\n${output}`,
  );
  if (child.exitCode !== null) throw new Error(`dnsmasq exited with ${child.exitCode}:\n${output}\n${await readText(logFile)}`);
  return { child, logFile };
}

/** The Marrow side (pxe-site.ts) in the site namespace, driven over its stdio. */
export class PxeSite {
  private stdout = '';
  private stderr = '';
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  ready: PxeSiteReady | undefined;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      let newline: number;
      while ((newline = this.stdout.indexOf('\n')) >= 0) {
        const line = this.stdout.slice(0, newline);
        this.stdout = this.stdout.slice(newline + 1);
        this.onLine(line);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.once('exit', (code, signal) => {
      for (const { reject } of this.waiting.values()) reject(new Error(`pxe-site exited (${code ?? signal}):\n${tail(this.stderr)}`));
      this.waiting.clear();
    });
  }

  static async start(network: PxeNetwork, options: PxeSiteOptions): Promise<PxeSite> {
    const child = network.lab.spawn(
      network.site,
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/e2e/support/pxe-site.ts'), JSON.stringify(options)],
      { cwd: REPO_ROOT },
    );
    const site = new PxeSite(child);
    await until(
      () => site.ready !== undefined || site.failure !== undefined || child.exitCode !== null,
      90_000,
      () => `pxe-site did not come up:\n${tail(site.stderr)}`,
    );
    if (!site.ready) throw new Error(`pxe-site failed to start: ${site.failure ?? `exit ${child.exitCode}`}\n${tail(site.stderr)}`);
    return site;
  }

  private failure: string | undefined;

  private onLine(line: string): void {
    if (!line.startsWith('{')) {
      this.stderr += `${line}\n`;
      return;
    }
    const message = JSON.parse(line) as { event?: string; id?: number; ok?: boolean; result?: unknown; error?: string; message?: string };
    if (message.event === 'ready') this.ready = message as PxeSiteReady;
    else if (message.event === 'error') this.failure = message.message;
    else if (typeof message.id === 'number') {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    }
  }

  /** The edge's and control plane's log (the child's stderr). */
  log(): string {
    return this.stderr;
  }

  call<T>(command: SiteRequest, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`pxe-site: no answer to ${JSON.stringify(command)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  /** An API call that must succeed (2xx); returns the body. */
  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.call<{ status: number; body: unknown }>({ cmd: 'api', method, path, ...(body === undefined ? {} : { body }) });
    if (answer.status < 200 || answer.status > 299) {
      throw new Error(`${method.toUpperCase()} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body as T;
  }
}

export type Firmware = 'bios' | 'uefi';

export interface VmRun {
  serial: string;
  serialFile: string;
  /** What ended the wait: the pattern was seen, QEMU exited on its own, or time ran out. */
  outcome: 'matched' | 'exited' | 'timeout';
  exitCode: number | null;
  durationMs: number;
  qemuOutput: string;
}

export interface BootVmOptions {
  network: PxeNetwork;
  work: string;
  name: string;
  mac: string;
  firmware: Firmware;
  /** What to wait for on the serial console. */
  until: RegExp;
  /** After the match: let the guest power off by itself (true), or kill QEMU at once. */
  awaitPoweroff: boolean;
  timeoutMs: number;
  /** The VM's disk: an existing image file (used in place); default a blank 16 MiB one. */
  disk?: string;
  /** More QEMU arguments (e.g. `-acpitable` for an OEM licence table). */
  qemuArgs?: string[];
  /** The tap device on the site's bridge (default tap0; one per VM running at the same time: addTap). */
  tap?: string;
  /** Memory in MiB (default 512). */
  memoryMiB?: number;
}

/**
 * One QEMU TCG VM that PXE-boots from the tap device, its serial console in a file.
 * - bios: SeaBIOS + the virtio NIC's iPXE ROM (-boot n): DHCP with user class iPXE, so our
 *   ProxyDHCP answers with the HTTP boot URL at once.
 * - uefi: OVMF with the NIC's ROM removed (romfile=), so OVMF's own PXE client (option 93 = 7,
 *   no iPXE) asks; it gets snponly.efi over Marrow's TFTP, and that iPXE asks again.
 */
export async function bootVm(options: BootVmOptions): Promise<VmRun> {
  const { network, work, name, mac, firmware } = options;
  const serialFile = join(work, `${name}.serial.log`);
  const disk = options.disk ?? join(work, `${name}.disk.img`);
  await writeFile(serialFile, '');
  if (!options.disk) {
    await writeFile(disk, '');
    await truncate(disk, 16 * 1024 * 1024);
  }
  const common = [
    '-accel', 'tcg', '-m', String(options.memoryMiB ?? 512), '-smp', '1', ...(options.qemuArgs ?? []), '-nographic', '-no-reboot', '-monitor', 'none',
    '-serial', `file:${serialFile}`,
    '-netdev', `tap,id=n0,ifname=${options.tap ?? TAP},script=no,downscript=no`,
  ];
  let args: string[];
  if (firmware === 'bios') {
    args = [
      ...common,
      '-device', `virtio-net-pci,netdev=n0,mac=${mac}`,
      '-drive', `file=${disk},format=raw,if=virtio`,
      '-boot', 'n',
    ];
  } else {
    const vars = join(work, `${name}.OVMF_VARS.fd`);
    await copyFile(OVMF_VARS, vars);
    args = [
      ...common,
      '-machine', 'q35',
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
      '-uuid', '4c4c4544-0077-3010-8052-b3c04f4e4432',
      '-device', `virtio-net-pci,netdev=n0,mac=${mac},romfile=,bootindex=1`,
      '-drive', `file=${disk},format=raw,if=none,id=d0`,
      '-device', 'virtio-blk-pci,drive=d0,bootindex=2',
    ];
  }
  const started = Date.now();
  // A backstop should this process die: QEMU never outlives the test's own timeout by much.
  const backstop = String(Math.ceil(options.timeoutMs / 1000) + 60);
  const child = network.lab.spawn(network.site, 'timeout', [backstop, 'qemu-system-x86_64', ...args]);
  let qemuOutput = '';
  child.stdout?.on('data', (chunk: Buffer) => (qemuOutput += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (qemuOutput += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const isDone = () => child.exitCode !== null || child.signalCode !== null;

  let outcome: VmRun['outcome'] = 'timeout';
  const deadline = started + options.timeoutMs;
  for (;;) {
    const serial = await readText(serialFile);
    if (options.until.test(serial)) {
      outcome = 'matched';
      break;
    }
    if (isDone()) {
      outcome = 'exited';
      break;
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (outcome === 'matched' && options.awaitPoweroff) {
    // The marker is the guest's last word before `poweroff -f`; -no-reboot ends QEMU.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
  await stopGroup(child, exited);
  return {
    serial: await readText(serialFile),
    serialFile,
    outcome,
    exitCode: child.exitCode,
    durationMs: Date.now() - started,
    qemuOutput,
  };
}

/** SIGTERM to the child's process group (timeout + QEMU), SIGKILL after 3 s; waits for the exit. */
async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // gone already
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

import { type ChildProcess, execFile, execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Network namespaces for e2e tests: isolated little networks of veth pairs and bridges,
 * made and torn down by the test itself. Nothing here touches the host's own interfaces:
 * every link is created directly inside a namespace (`ip -n NS link add … peer … netns
 * OTHER`), so deleting the namespaces removes everything.
 *
 *   const lab = await createNetnsLab('proxydhcp');
 *   try {
 *     const lan = await lab.namespace('lan');
 *     const bridge = await lab.bridge(lan);
 *     const edge = await lab.namespace('edge');
 *     await lab.attach(edge, bridge, '10.77.0.2/24');
 *     const child = lab.spawn(edge, '/usr/bin/node', ['server.js']);
 *   } finally {
 *     await lab.destroy(); // kills what was spawned, deletes the namespaces
 *   }
 *
 * Addresses must lie in LAB_RANGES: they exist only inside the lab's namespaces.
 */

const exec = promisify(execFile);

/** The only IPv4 ranges a lab hands out (the PXE recipe's 10.77/16 and 10.78/16). */
export const LAB_RANGES = ['10.77.0.0/16', '10.78.0.0/16'] as const;

export interface Namespace {
  /** The name for `ip netns exec` / `ip -n`. */
  readonly name: string;
}

export interface Bridge {
  readonly namespace: Namespace;
  readonly device: string;
}

export interface Link {
  readonly namespace: Namespace;
  /** The device inside `namespace`. */
  readonly device: string;
  /** Without prefix length, e.g. "10.77.0.2"; undefined for an unaddressed end (a PXE client). */
  readonly address: string | undefined;
}

export interface NetnsLab {
  /** A new namespace with loopback up. */
  namespace(label: string): Promise<Namespace>;
  /** A bridge inside `namespace`, up, STP off and no forwarding delay. */
  bridge(namespace: Namespace): Promise<Bridge>;
  /** Plugs `namespace` into `bridge` by a veth pair; its end gets `cidr` (with `brd +`), if given. */
  attach(namespace: Namespace, bridge: Bridge, cidr?: string): Promise<Link>;
  /** A tap device plugged into `bridge`, for a QEMU `-netdev tap,ifname=…` run in the bridge's namespace. */
  tap(bridge: Bridge): Promise<string>;
  /** Adds a lab address (with `brd +`) to a link, e.g. the one a DHCP server offered. */
  addAddress(link: Link, cidr: string): Promise<void>;
  /** A veth pair straight between two namespaces, one address on each end. */
  pair(a: Namespace, aCidr: string, b: Namespace, bCidr: string): Promise<[Link, Link]>;
  /** Runs a command inside `namespace` to completion; rejects on a non-zero exit. */
  run(namespace: Namespace, command: string, args: readonly string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  /** Starts a long-running process inside `namespace`; destroy() kills it and waits for it. */
  spawn(namespace: Namespace, command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Kills every spawned process, then deletes every namespace. Safe to call twice. */
  destroy(): Promise<void>;
}

/** Why namespaces cannot be made here, or undefined when they can (root, iproute2, CAP_SYS_ADMIN). */
export async function netnsUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the e2e tier as root)';
  try {
    await exec('ip', ['-V']);
  } catch {
    return 'the ip command (iproute2) is not installed';
  }
  const probe = `marrow-probe-${process.pid}`;
  try {
    await exec('ip', ['netns', 'add', probe]);
  } catch (error) {
    return `ip netns add failed: ${(error as Error).message.trim()}`;
  }
  await exec('ip', ['netns', 'del', probe]).catch(() => undefined);
  return undefined;
}

let labCounter = 0;

export async function createNetnsLab(prefix: string): Promise<NetnsLab> {
  if (!/^[a-z0-9]{1,12}$/.test(prefix)) throw new Error(`lab prefix "${prefix}" must be 1–12 lowercase letters or digits`);
  await removeStaleNamespaces();
  const lab = `${prefix}-${process.pid}-${(labCounter += 1)}`;
  const namespaces: Namespace[] = [];
  const children = new Set<ChildProcess>();
  const deviceCounters = new Map<string, number>();
  let destroyed = false;
  // Last resort when the test process exits without running destroy() (a crash, a
  // process.exit): synchronous, so it runs inside 'exit'. A SIGKILLed run is cleaned up by
  // the next lab's removeStaleNamespaces().
  const onExit = (): void => {
    for (const child of children) killGroup(child, 'SIGKILL');
    for (const namespace of namespaces) {
      try {
        execFileSync('ip', ['netns', 'del', namespace.name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', onExit);

  const ip = async (...args: string[]): Promise<void> => {
    await exec('ip', args, { timeout: 10_000 });
  };
  /** Device names are per namespace, so short ones are unique where they live. */
  const device = (namespace: Namespace, kind: string): string => {
    const n = deviceCounters.get(namespace.name) ?? 0;
    deviceCounters.set(namespace.name, n + 1);
    return `${kind}${n}`;
  };

  return {
    async namespace(label) {
      if (!/^[a-z0-9]{1,12}$/.test(label)) throw new Error(`namespace label "${label}" must be 1–12 lowercase letters or digits`);
      const namespace = { name: `marrow-${lab}-${label}` };
      await ip('netns', 'add', namespace.name);
      namespaces.push(namespace);
      await ip('-n', namespace.name, 'link', 'set', 'lo', 'up');
      return namespace;
    },

    async bridge(namespace) {
      const name = device(namespace, 'br');
      await ip('-n', namespace.name, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
      await ip('-n', namespace.name, 'link', 'set', name, 'up');
      return { namespace, device: name };
    },

    async attach(namespace, bridge, cidr) {
      const address = cidr === undefined ? undefined : labAddress(cidr);
      const inside = device(namespace, 'eth');
      const port = device(bridge.namespace, 'port');
      await ip('-n', bridge.namespace.name, 'link', 'add', port, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace.name);
      await ip('-n', bridge.namespace.name, 'link', 'set', port, 'master', bridge.device);
      await ip('-n', bridge.namespace.name, 'link', 'set', port, 'up');
      if (cidr !== undefined) await ip('-n', namespace.name, 'addr', 'add', cidr, 'brd', '+', 'dev', inside);
      await ip('-n', namespace.name, 'link', 'set', inside, 'up');
      return { namespace, device: inside, address };
    },

    async tap(bridge) {
      const name = device(bridge.namespace, 'tap');
      await ip('-n', bridge.namespace.name, 'tuntap', 'add', 'dev', name, 'mode', 'tap');
      await ip('-n', bridge.namespace.name, 'link', 'set', name, 'master', bridge.device);
      await ip('-n', bridge.namespace.name, 'link', 'set', name, 'up');
      return name;
    },

    async addAddress(link, cidr) {
      labAddress(cidr);
      await ip('-n', link.namespace.name, 'addr', 'add', cidr, 'brd', '+', 'dev', link.device);
    },

    async pair(a, aCidr, b, bCidr) {
      const aAddress = labAddress(aCidr);
      const bAddress = labAddress(bCidr);
      const aDevice = device(a, 'eth');
      const bDevice = device(b, 'eth');
      await ip('-n', a.name, 'link', 'add', aDevice, 'type', 'veth', 'peer', 'name', bDevice, 'netns', b.name);
      await ip('-n', a.name, 'addr', 'add', aCidr, 'brd', '+', 'dev', aDevice);
      await ip('-n', b.name, 'addr', 'add', bCidr, 'brd', '+', 'dev', bDevice);
      await ip('-n', a.name, 'link', 'set', aDevice, 'up');
      await ip('-n', b.name, 'link', 'set', bDevice, 'up');
      return [
        { namespace: a, device: aDevice, address: aAddress },
        { namespace: b, device: bDevice, address: bAddress },
      ];
    },

    async run(namespace, command, args, timeoutMs = 30_000) {
      return exec('ip', ['netns', 'exec', namespace.name, command, ...args], { timeout: timeoutMs });
    },

    spawn(namespace, command, args, options = {}) {
      if (destroyed) throw new Error('this lab is destroyed');
      // Its own process group, so destroy() reaches whatever it starts in turn.
      const child = spawn('ip', ['netns', 'exec', namespace.name, command, ...args], { stdio: 'pipe', ...options, detached: true });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },

    async destroy() {
      destroyed = true;
      process.off('exit', onExit);
      await Promise.all([...children].map(stop));
      for (const namespace of namespaces.splice(0).reverse()) {
        await ip('netns', 'del', namespace.name).catch(() => undefined);
      }
    },
  };
}

/** Deletes namespaces left by labs whose process died before its destroy() ran. */
export async function removeStaleNamespaces(): Promise<void> {
  const { stdout } = await exec('ip', ['netns', 'list']);
  for (const line of stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = /^marrow-[a-z0-9]+-(\d+)-\d+-[a-z0-9]+$/.exec(name);
    if (!match || processAlive(Number(match[1]))) continue;
    // Whatever still runs inside (a server the dead run started) goes first.
    const { stdout: pids } = await exec('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }));
    for (const pid of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exec('ip', ['netns', 'del', name]).catch(() => undefined);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to the child's group, SIGKILL after 3 s; resolves once it has exited (and is reaped). */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    killGroup(child, 'SIGTERM');
  });
}

/** The address part of a CIDR inside LAB_RANGES; throws for anything else. */
function labAddress(cidr: string): string {
  const match = /^(10)\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const second = Number(match?.[2]);
  if (!match || (second !== 77 && second !== 78) || [match[3], match[4]].some((o) => Number(o) > 255) || Number(match[5]) < 16) {
    throw new Error(`${cidr} is outside the lab ranges ${LAB_RANGES.join(', ')} (or not a CIDR with a /16 or longer prefix)`);
  }
  return cidr.split('/')[0]!;
}

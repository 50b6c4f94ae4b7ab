import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Namespace, NetnsLab } from './netns';

/**
 * What the ProxyDHCP lab tests (proxydhcp-netns.test.ts, proxydhcp-qemu.test.ts) start their
 * LAN with: the site's own DHCP server, and a watch on the processes they spawn there.
 */

/** dnsmasq, if installed. */
export const DNSMASQ = ['/usr/sbin/dnsmasq', '/usr/bin/dnsmasq'].find((path) => existsSync(path));

/** A child's stdout and stderr, collected as they come. */
export interface ChildOutput {
  output(): string;
  /** Waits until `test` holds for the output so far: false once the child has exited, or after `ms`. */
  until(test: (output: string) => boolean, ms: number): Promise<boolean>;
  /** As until(), but throws with the output so far where that says false. */
  waitFor(test: (output: string) => boolean, ms: number): Promise<void>;
}

export function watchOutput(child: ChildProcess): ChildOutput {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const until = async (test: (output: string) => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  };
  return {
    output: () => output,
    until,
    waitFor: async (test, ms) => {
      if (!(await until(test, ms))) throw new Error(`gave up waiting; output so far:\n${output}`);
    },
  };
}

/**
 * dnsmasq as the site's plain DHCP server on `namespace`'s eth0: addresses from `range`
 * (`first,last,netmask,lease`), no boot options; it logs to its output. Its lease and pid files
 * go in `work`.
 */
export function spawnSiteDhcp(lab: NetnsLab, namespace: Namespace, work: string, range: string): ChildOutput {
  return watchOutput(
    lab.spawn(namespace, DNSMASQ!, [
      '--keep-in-foreground', '--conf-file=/dev/null', '--user=root', '--port=0', '--no-ping',
      '--interface=eth0', '--bind-interfaces', '--dhcp-authoritative',
      `--dhcp-range=${range}`,
      `--dhcp-leasefile=${join(work, 'leases')}`, `--pid-file=${join(work, 'dnsmasq.pid')}`,
      '--log-dhcp', '--log-facility=-',
    ]),
  );
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MulticastSenders } from '../../edge/src/multicast/multicast-senders';
import { findProgram } from '../../edge/src/lifecycle/find-program';
import { createNetnsLab, netnsUnavailableReason, type Bridge, type Link, type NetnsLab } from './support/netns';

/**
 * Multicast deploys with Debian's udpcast on both sides: the edge's MulticastSenders run
 * udp-sender inside a site namespace with a bridge, two machines (namespaces of their own, on
 * the bridge) run udp-receiver as the imaging environment's restore.sh does, and both receive
 * the same partition stream byte for byte from one session. A machine that asks after the
 * transfer began is sent over HTTP instead. Every packet stays on the lab's bridge.
 */
const skipReason = (await netnsUnavailableReason()) ?? (findProgram('udp-sender') && findProgram('udp-receiver') ? undefined : 'udpcast is not installed (test/e2e/install-packages.sh)');
if (skipReason) console.warn(`multicast: skipped — ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`Multicast deploy stream with udpcast between namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let lab: NetnsLab;
  let bridge: Bridge;
  let machines: Link[];
  let work: string;
  const logs: string[] = [];
  let senders: MulticastSenders;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'marrow-multicast-e2e-'));
    lab = await createNetnsLab('mcast');
    const site = await lab.namespace('site');
    bridge = await lab.bridge(site);
    await lab.run(site, 'ip', ['addr', 'add', '10.77.5.1/24', 'brd', '+', 'dev', bridge.device]);
    machines = [];
    for (const [i, label] of ['pc1', 'pc2', 'pc3'].entries()) machines.push(await lab.attach(await lab.namespace(label), bridge, `10.77.5.${11 + i}/24`));
    senders = new MulticastSenders(
      { interface: bridge.device, portBase: 9000, maxSessions: 4, maxWaitSeconds: 30, command: ['ip', 'netns', 'exec', site.name, findProgram('udp-sender')!] },
      (message) => logs.push(message),
    );
  });
  afterAll(async () => {
    await senders?.close();
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** udp-receiver in a machine's namespace, as restore.sh runs it; resolves with what it wrote. */
  function receive(machine: Link, portbase: number, out: string): { child: ChildProcess; done: Promise<number | null> } {
    const child = spawn(
      'ip',
      ['netns', 'exec', machine.namespace.name, findProgram('udp-receiver')!, '--nokbd', '--interface', machine.device, '--portbase', String(portbase), '--start-timeout', '60', '--receive-timeout', '30', '--file', out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (text: Buffer) => (stderr = (stderr + text.toString()).slice(-2000)));
    const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    void done.then((code) => code !== 0 && logs.push(`udp-receiver on ${machine.namespace.name}: exit ${code}: ${stderr}`));
    return { child, done };
  }

  it('sends one partition stream to every machine of the deployment at once, byte for byte', async () => {
    const data = randomBytes(24 * 1024 * 1024 + 333);
    async function* stream(): AsyncGenerator<Buffer> {
      for (let at = 0; at < data.length; at += 1024 * 1024) yield data.subarray(at, at + 1024 * 1024);
    }
    const key = { deploymentId: 'dp_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', masterId: 'ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', partition: 1 };
    const first = senders.join(key, 'mc_1', 2, stream);
    expect(first).toEqual({ portbase: 9000 });
    const second = senders.join(key, 'mc_2', 2, stream);
    expect(second).toEqual({ portbase: 9000 });
    const outs = [join(work, 'pc1.bin'), join(work, 'pc2.bin')];
    const receivers = [receive(machines[0]!, 9000, outs[0]!), receive(machines[1]!, 9000, outs[1]!)];
    const codes = await Promise.all(receivers.map((r) => r.done));
    expect(codes, logs.join('\n')).toEqual([0, 0]);
    for (const out of outs) expect((await readFile(out)).equals(data), out).toBe(true);
    expect(logs.some((l) => l.includes('transfer started')), logs.join('\n')).toBe(true);

    // The session is over: its port pair serves the next one.
    const deadline = Date.now() + 10_000;
    while (senders.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(senders.running).toBe(0);
  }, 120_000);

  it('tells a machine that comes after the transfer began to stream over HTTP', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    async function* slow(): AsyncGenerator<Buffer> {
      for (let at = 0; at < data.length; at += 1024 * 1024) yield data.subarray(at, at + 1024 * 1024);
    }
    const key = { deploymentId: 'dp_01J9ZQ4T6W2R8X5Y7V3N1K0M9Q', masterId: 'ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', partition: 2 };
    expect(senders.join(key, 'mc_3', 1, slow)).toEqual({ portbase: 9000 });
    const one = receive(machines[0]!, 9000, join(work, 'late-1.bin'));
    const deadline = Date.now() + 30_000;
    while (!logs.some((l) => l.includes(`${key.deploymentId}/${key.masterId}/2`) && l.includes('transfer started')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(senders.join(key, 'mc_4', 1, slow)).toEqual({ unicast: true, reason: 'the multicast transfer of this partition has already begun' });
    expect(await one.done, logs.join('\n')).toBe(0);
    expect((await readFile(join(work, 'late-1.bin'))).equals(data)).toBe(true);
  }, 120_000);
});

import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magicPacket } from '../../edge/src/tasks/wake-on-lan';
import { createNetnsLab, type Namespace, type NetnsLab, netnsUnavailableReason } from './support/netns';
import { jsonLines, nodeScript, REPO_ROOT } from './support/netns-node';

/**
 * Wake-on-LAN across a veth pair: the edge's namespace (10.77.1.1) sends the Magic Packet
 * as a broadcast on the link; a UDP listener on port 9 in the sleeping machine's namespace
 * (10.77.1.2) must receive the 102 octets. Every packet stays inside the pair.
 */
const MAC = '52:54:00:77:01:99';
const EDGE = '10.77.1.1';

const skipReason = await netnsUnavailableReason();
if (skipReason) console.warn(`wake-on-lan: skipped — ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`Wake-on-LAN between network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let lab: NetnsLab;
  let edge: Namespace;
  let machine: Namespace;

  beforeAll(async () => {
    lab = await createNetnsLab('wol');
    edge = await lab.namespace('edge');
    machine = await lab.namespace('machine');
    await lab.pair(edge, `${EDGE}/24`, machine, '10.77.1.2/24');
  });
  afterAll(async () => {
    await lab?.destroy();
  });

  async function receive(count: number, send: () => Promise<unknown>): Promise<Array<{ from: string; hex: string }>> {
    const [node, args] = nodeScript('netns-udp-receiver.ts', { port: 9, count, timeoutMs: 10_000 });
    const child: ChildProcess = lab.spawn(machine, node, args, { cwd: REPO_ROOT });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (!output.includes('"event":"ready"') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output).toContain('"event":"ready"');
    await send();
    await exited;
    return jsonLines<{ event: string; from: string; hex: string }>(output).filter((line) => line.event === 'datagram');
  }

  async function wake(request: Record<string, unknown>): Promise<{ sent?: number; error?: string }> {
    const [node, args] = nodeScript('netns-wake-on-lan.ts', request);
    // The script exits 3 after printing its error; both outcomes are a JSON line on stdout.
    const stdout = await lab.run(edge, node, args).then(
      (result) => result.stdout,
      (failure: { stdout?: string }) => failure.stdout ?? '',
    );
    return jsonLines<{ sent?: number; error?: string }>(stdout)[0]!;
  }

  const expected = Buffer.from(magicPacket(MAC)).toString('hex');

  it('the directed broadcast of the link (10.77.1.255:9) carries the 102-octet Magic Packet, three times', async () => {
    const datagrams = await receive(3, () => wake({ mac: MAC, targets: [{ address: '10.77.1.255', port: 9 }], repeat: 3, intervalMs: 20 }));
    expect(datagrams).toHaveLength(3);
    for (const datagram of datagrams) {
      expect(datagram.from.startsWith(`${EDGE}:`)).toBe(true);
      expect(datagram.hex.length / 2).toBe(102);
      expect(datagram.hex).toBe(expected);
    }
  });

  it('255.255.255.255 goes out of the interface of the bind address', async () => {
    const datagrams = await receive(1, () =>
      wake({ mac: MAC, targets: [{ address: '255.255.255.255' }], bindAddress: EDGE, repeat: 1 }),
    );
    expect(datagrams.map((datagram) => datagram.hex)).toEqual([expected]);
  });

  it('without a bind address or a default route, 255.255.255.255 fails with a clear error', async () => {
    const result = await wake({ mac: MAC, targets: [{ address: '255.255.255.255' }], repeat: 1 });
    expect(result.error).toMatch(/Wake-on-LAN to 255\.255\.255\.255:9 failed: .*ENETUNREACH/);
    expect(result.error).toContain('give bindAddress');
  });
});

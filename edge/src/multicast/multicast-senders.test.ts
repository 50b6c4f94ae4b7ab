import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MulticastSenders } from './multicast-senders';

/**
 * The session bookkeeping around udp-sender, with a stand-in that behaves like it: records its
 * arguments, waits for "receivers" (a file the test creates), says "Starting transfer" on
 * stderr, and when told to finish copies stdin to a file. The real udpcast between namespaces: test/e2e/multicast.test.ts.
 */
let dir: string;
let fake: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-multicast-'));
  fake = join(dir, 'udp-sender');
  await writeFile(
    fake,
    [
      '#!/bin/sh',
      'out="$FAKE_DIR/$$"',
      'echo "$@" > "$out.args"',
      'while [ ! -e "$FAKE_DIR/go" ]; do sleep 0.05; done',
      'echo "Starting transfer: 00000009" >&2',
      'while [ ! -e "$FAKE_DIR/finish" ]; do sleep 0.05; done',
      'cat > "$out.data"',
      'echo "Transfer complete." >&2',
    ].join('\n'),
    { mode: 0o755 },
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function* pieces(data: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += 64 * 1024) yield data.subarray(at, at + 64 * 1024);
}

async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A fresh run of the stand-in in its own directory. Released, it finds "go" and "finish"
 * already there: it starts and copies its input at once.
 */
async function fakeRun(options: { portBase: number; maxSessions: number; released?: boolean }) {
  const work = await mkdtemp(join(dir, 'run-'));
  process.env.FAKE_DIR = work;
  if (options.released) {
    await writeFile(join(work, 'go'), '');
    await writeFile(join(work, 'finish'), '');
  }
  const logs: string[] = [];
  const { portBase, maxSessions } = options;
  const senders = new MulticastSenders({ interface: 'br0', portBase, maxSessions, maxWaitSeconds: 90, command: ['sh', fake] }, (m) => logs.push(m));
  return { work, logs, senders };
}

describe('MulticastSenders', () => {
  it('starts one udp-sender per partition, shares it while it waits, then sends late machines over HTTP', async () => {
    const { work, logs, senders } = await fakeRun({ portBase: 9000, maxSessions: 4 });
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const key = { deploymentId: 'dp_1', masterId: 'ms_1', partition: 1 };
    expect(senders.join(key, 'mc_1', 3, () => pieces(data))).toEqual({ portbase: 9000 });
    expect(senders.join(key, 'mc_2', 3, () => pieces(data))).toEqual({ portbase: 9000 });
    expect(senders.join({ ...key, partition: 2 }, 'mc_3', 3, () => pieces(data))).toEqual({ portbase: 9002 });
    expect(senders.running).toBe(2);

    await writeFile(join(work, 'go'), '');
    await until(() => logs.some((l) => l.includes('dp_1/ms_1/1') && l.includes('transfer started')));
    expect(senders.join(key, 'mc_4', 3, () => pieces(data))).toEqual({ unicast: true, reason: 'the multicast transfer of this partition has already begun' });
    await writeFile(join(work, 'finish'), '');
    await until(() => senders.running === 0);

    const files = await readdir(work);
    const args = await Promise.all(files.filter((f) => f.endsWith('.args')).map((f) => readFile(join(work, f), 'utf8')));
    expect(args.map((a) => a.trim()).sort()).toEqual([
      '--nokbd --interface br0 --portbase 9000 --min-receivers 3 --max-wait 90',
      '--nokbd --interface br0 --portbase 9002 --min-receivers 3 --max-wait 90',
    ]);
    const copies = files.filter((f) => f.endsWith('.data'));
    expect(copies).toHaveLength(2);
    for (const copy of copies) expect((await readFile(join(work, copy))).equals(data)).toBe(true);
    // The port pair is free again for the next session.
    expect(senders.join({ ...key, partition: 3 }, 'mc_5', 1, () => pieces(data))).toEqual({ portbase: 9000 });
    await senders.close();
    expect(senders.running).toBe(0);
  });

  it('answers "unicast" when every port pair is taken, or after close()', async () => {
    const { senders } = await fakeRun({ portBase: 9100, maxSessions: 1 });
    const stream = () => pieces(Buffer.alloc(10));
    expect(senders.join({ deploymentId: 'dp_1', masterId: 'ms_1', partition: 1 }, 'mc_6', 2, stream)).toEqual({ portbase: 9100 });
    expect(senders.join({ deploymentId: 'dp_2', masterId: 'ms_1', partition: 1 }, 'mc_7', 2, stream)).toMatchObject({ unicast: true, reason: '1 multicast sessions are already running' });
    await senders.close(); // the waiting sender is stopped
    expect(senders.running).toBe(0);
    expect(senders.join({ deploymentId: 'dp_3', masterId: 'ms_1', partition: 1 }, 'mc_8', 2, stream)).toMatchObject({ unicast: true, reason: 'the imaging server is stopping' });
  });

  it('stops the sender when the partition stream fails (the receivers time out and report)', async () => {
    const { work, logs, senders } = await fakeRun({ portBase: 9200, maxSessions: 2, released: true });
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000);
      throw new Error('chunk 1234 is not in the cache and nothing can fetch it');
    }
    senders.join({ deploymentId: 'dp_1', masterId: 'ms_1', partition: 1 }, 'mc_9', 2, broken);
    await until(() => senders.running === 0);
    expect(logs.join('\n')).toContain('the stream of dp_1/ms_1/1 failed: chunk 1234 is not in the cache');
    expect(existsSync(work)).toBe(true);
  });

  it('feeds a slow udp-sender without piling listeners onto it (one wait per full pipe)', async () => {
    // udp-sender reads at the pace of the slowest receiver, so most writes wait for 'drain'.
    // A partition is thousands of pipe buffers long; Node warns past 10 listeners on one emitter.
    const work = await mkdtemp(join(dir, 'run-'));
    const slow = join(work, 'slow-udp-sender');
    await writeFile(
      slow,
      ['#!/bin/sh', 'echo "Starting transfer: 00000009" >&2', `while [ "$(head -c 65536 | tee -a '${join(work, 'data')}' | wc -c)" -gt 0 ]; do sleep 0.005; done`].join('\n'),
      { mode: 0o755 },
    );
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const senders = new MulticastSenders({ interface: 'br0', portBase: 9300, maxSessions: 1, maxWaitSeconds: 90, command: ['sh', slow] });
      const data = randomBytes(2 * 1024 * 1024);
      expect(senders.join({ deploymentId: 'dp_1', masterId: 'ms_1', partition: 1 }, 'mc_10', 1, () => pieces(data))).toEqual({ portbase: 9300 });
      await until(() => senders.running === 0, 20_000);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect((await readFile(join(work, 'data'))).equals(data)).toBe(true);
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('does not wait for the machines whose task has ended, unless they come back', async () => {
    const { work, logs, senders } = await fakeRun({ portBase: 9400, maxSessions: 2, released: true });
    const data = Buffer.alloc(1000, 7);
    const partition = (n: number) => ({ deploymentId: 'dp_1', masterId: 'ms_1', partition: n });
    // What the session of partition n waited for, once it is over.
    const minReceivers = async (n: number) => {
      await until(() => senders.running === 0);
      return logs.filter((l) => l.includes(`dp_1/ms_1/${n} waiting`)).map((l) => /waiting for (\d+)/.exec(l)![1]);
    };

    // Four machines; the first partition waits for all four.
    senders.join(partition(1), 'mc_a', 4, () => pieces(data));
    expect(await minReceivers(1)).toEqual(['4']);
    // mc_c failed, mc_d was done over HTTP: partition 2 waits for the two left.
    senders.machineEnded('dp_1', 'mc_c');
    senders.machineEnded('dp_1', 'mc_d');
    senders.machineEnded('dp_1', 'mc_d'); // reported twice, counted once
    senders.machineEnded('dp_2', 'mc_x'); // another deployment's machine changes nothing here
    senders.join(partition(2), 'mc_a', 4, () => pieces(data));
    expect(await minReceivers(2)).toEqual(['2']);
    expect(logs.join('\n')).toContain('dp_1/ms_1/2 waiting for 2 receiver(s) (2 machine(s) of the deployment already ended)');
    // mc_c booted again and asks: it is expected again.
    senders.join(partition(3), 'mc_c', 4, () => pieces(data));
    expect(await minReceivers(3)).toEqual(['3']);
    // Never fewer than one.
    for (const machine of ['mc_a', 'mc_b', 'mc_c', 'mc_e', 'mc_f']) senders.machineEnded('dp_1', machine);
    senders.join(partition(4), 'mc_b', 4, () => pieces(data));
    expect(await minReceivers(4)).toEqual(['1']);
    await senders.close();
    // What udp-sender itself was told, session by session.
    const args = await Promise.all((await readdir(work)).filter((f) => f.endsWith('.args')).map((f) => readFile(join(work, f), 'utf8')));
    expect(args.map((a) => /--min-receivers (\d+)/.exec(a)?.[1]).sort()).toEqual(['1', '2', '3', '4']);
  });
});

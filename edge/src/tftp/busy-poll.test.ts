import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BusyPoll } from './busy-poll';

async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await nextTurn();
}

describe('BusyPoll', () => {
  it('never polls with a budget of 0', async () => {
    const poll = new BusyPoll(0);
    poll.awaitReply();
    expect(poll.active).toBe(false);
  });

  it('keeps the loop turning for the budget after the last send, then lets it sleep', async () => {
    let now = 1000; // ms
    const poll = new BusyPoll(100, () => now);
    poll.awaitReply();
    expect(poll.active).toBe(true);
    await turns(5);
    expect(poll.active).toBe(true);
    now += 0.09; // 90 µs later: a second send moves the end to 190 µs
    poll.awaitReply();
    now += 0.05;
    await turns(5);
    expect(poll.active).toBe(true);
    now += 0.06; // 200 µs after the first send, 110 µs after the second
    await turns(3);
    expect(poll.active).toBe(false);
  });

  it('does not block the loop: timers and I/O run between turns', async () => {
    const poll = new BusyPoll(10_000);
    poll.awaitReply();
    const fired = await new Promise<boolean>((resolve) => setTimeout(() => resolve(poll.active), 1));
    expect(fired).toBe(true);
    poll.stop();
    await turns(3);
    expect(poll.active).toBe(false);
  });

  it('stops for good when stopped', async () => {
    const poll = new BusyPoll(10_000);
    poll.awaitReply();
    poll.stop();
    await turns(3);
    expect(poll.active).toBe(false);
    poll.awaitReply();
    expect(poll.active).toBe(false);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outbox-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('Outbox commands', () => {
  it('never runs a finished command twice, but runs again one the edge died in the middle of', () => {
    const file = join(dir, 'outbox.sqlite');
    const first = new Outbox(file);
    expect(first.interruptedCommands).toEqual([]);
    expect(first.firstExecution('cmd_done', 'wake-machines')).toBe(true);
    first.finishCommand('cmd_done', 'done');
    expect(first.firstExecution('cmd_running', 'sync-master')).toBe(true);
    // Redelivered while this process still runs it: not a second execution.
    expect(first.firstExecution('cmd_running', 'sync-master')).toBe(false);
    first.close(); // as a crash leaves it: cmd_running claimed, no result

    const restarted = new Outbox(file);
    expect(restarted.interruptedCommands).toEqual([{ id: 'cmd_running', type: 'sync-master' }]);
    expect(restarted.firstExecution('cmd_done', 'wake-machines')).toBe(false);
    expect(restarted.firstExecution('cmd_running', 'sync-master')).toBe(true);
    restarted.finishCommand('cmd_running', 'done');
    restarted.close();

    const again = new Outbox(file);
    expect(again.interruptedCommands).toEqual([]);
    expect(again.firstExecution('cmd_running', 'sync-master')).toBe(false);
    again.close();
  });
});

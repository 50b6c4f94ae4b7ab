import { describe, expect, it } from 'vitest';
import type { ImportProgress } from '../import/import-master';
import { formatBytes, formatDuration, ProgressLine } from './progress-line';

const MiB = 1 << 20;
const reading = (done: number, partition = 1): ImportProgress => ({ phase: 'read', partition, inputBytesDone: done, inputBytesTotal: 100 * MiB, uploadBytesDone: 0, uploadBytesTotal: 0 });

function fixture(isTTY: boolean) {
  let now = 0;
  const written: string[] = [];
  const line = new ProgressLine({ isTTY, write: (t) => written.push(t) }, () => now);
  return { line, written, at: (ms: number) => (now = ms) };
}

describe('ProgressLine', () => {
  it('redraws one line in place on a terminal, four times a second at most, with rate and ETA', () => {
    const { line, written, at } = fixture(true);
    line.update(reading(0));
    at(100);
    line.update(reading(5 * MiB)); // too soon: not drawn
    at(2000);
    line.update(reading(50 * MiB));
    line.done();
    expect(written).toHaveLength(3);
    expect(written[0]).toMatch(/^\r\x1b\[K/);
    expect(written[1]).toContain('[############------------]  50%  50.0 MiB / 100.0 MiB  25.0 MiB/s  ETA 0:02');
    expect(written[2]).toBe('\r\x1b[K');
  });

  it('writes plain lines in a log: at each new partition or phase, else every 10 s', () => {
    const { line, written, at } = fixture(false);
    line.update(reading(0));
    at(5000);
    line.update(reading(10 * MiB));
    line.update(reading(20 * MiB, 2)); // a new partition: always said
    at(11_000);
    line.update(reading(40 * MiB, 2)); // 6 s after the last line: not yet
    at(15_000);
    line.update(reading(60 * MiB, 2));
    line.update({ ...reading(100 * MiB), phase: 'check', partition: undefined });
    line.update({ ...reading(100 * MiB), phase: 'upload', partition: undefined, uploadBytesTotal: 4 * MiB });
    line.update({ ...reading(100 * MiB), phase: 'register', partition: undefined });
    const idle = fixture(false);
    idle.line.update({ ...reading(100 * MiB), phase: 'upload', partition: undefined });
    expect(idle.written).toEqual(['nothing to upload: the archive holds every chunk already\n']);
    expect(written).toEqual([
      'reading partition 1: 0% (0 B of 100.0 MiB), -- MiB/s, ETA --:--\n',
      'reading partition 2: 20% (20.0 MiB of 100.0 MiB), 4.0 MiB/s, ETA 0:20\n',
      'reading partition 2: 60% (60.0 MiB of 100.0 MiB), 4.0 MiB/s, ETA 0:10\n',
      'asking the control plane which chunks the archive lacks…\n',
      'uploading new chunks: 0% (0 B of 4.0 MiB), -- MiB/s, ETA --:--\n',
      'registering the backup image and promoting it to a master…\n',
    ]);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatDuration(59_400)).toBe('0:59');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});

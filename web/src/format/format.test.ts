import { describe, expect, it } from 'vitest';
import { etaSeconds, formatDuration, formatGB, formatMBps, formatRelative, formatSize } from './format';

describe('format', () => {
  it('writes sizes in GB as the masters list always did', () => {
    expect(formatGB(20_971_520, 'en-US')).toBe('0.02 GB');
    expect(formatGB(12_345_678_901, 'en-US')).toBe('12.3 GB');
    expect(formatGB(0, 'en-US')).toBe('0.0 GB');
    expect(formatGB(1_500_000_000, 'fr-FR')).toMatch(/^1,50\sGB$/);
  });
  it('writes any size in GB, MB, kB or bytes', () => {
    expect(formatSize(1_234_567_890, 'en-US')).toBe('1.23 GB');
    expect(formatSize(45_600_000_000, 'en-US')).toBe('45.6 GB');
    expect(formatSize(999_000_000, 'en-US')).toBe('999.0 MB');
    expect(formatSize(2_500_000, 'en-US')).toBe('2.50 MB');
    expect(formatSize(2050, 'en-US')).toBe('2.05 kB');
    expect(formatSize(1, 'en-US')).toBe('1 byte');
    expect(formatSize(0, 'en-US')).toBe('0 bytes');
  });
  it('writes rates in MB/s', () => {
    expect(formatMBps(112_400_000, 'en-US')).toBe('112.4 MB/s');
  });
  it('writes durations compactly', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3600 * 5 + 60)).toBe('5 h 1 min');
    expect(formatDuration(86_400 * 2 + 3600 * 4 + 5)).toBe('2 d 4 h');
  });
  it('computes an ETA only when it can', () => {
    expect(etaSeconds(50, 150, 10)).toBe(10);
    expect(etaSeconds(50, 150, 0)).toBeNull();
    expect(etaSeconds(0, 0, 10)).toBeNull();
  });
  it('says how long ago', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T11:57:00Z', now, 'en-US')).toBe('3 minutes ago');
    expect(formatRelative(null, now, 'en-US')).toBe('never');
  });
});

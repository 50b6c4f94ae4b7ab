import { describe, expect, it } from 'vitest';
import type { StorageCollection } from '@marrow/shared';
import { chunksAndDeltas, deletedAnything, deletedSummary, differenceFromCheck, reclaimableOf, reclaimQuestion, sentence } from './collection-report';

const report = (overrides: Partial<StorageCollection> = {}): StorageCollection => ({
  tenantId: 'tn_1',
  dryRun: true,
  startedAt: '2026-01-01T12:00:00.000Z',
  skipped: null,
  manifestsRead: 2,
  referenced: { chunks: 40, deltas: 3 },
  unreferenced: { chunks: 12, deltas: 0, bytes: 1_200_000_000 },
  keptRecent: { objects: 1, bytes: 2000 },
  deleted: { objects: 0, bytes: 0 },
  abandonedUploads: { uploads: 0, bytes: 0, deleted: false },
  ...overrides,
});

const run = (chunks: number, deltas: number, bytes: number, skipped: string | null = null) =>
  report({ dryRun: false, skipped, unreferenced: { chunks, deltas, bytes }, deleted: skipped ? { objects: 0, bytes: 0 } : { objects: chunks + deltas, bytes } });

describe('archive storage collection report', () => {
  it('names chunks and deltas, leaving out what is zero', () => {
    expect(chunksAndDeltas(12, 3)).toBe('12 chunks and 3 deltas');
    expect(chunksAndDeltas(1, 0, 'unused')).toBe('1 unused chunk');
    expect(chunksAndDeltas(0, 2)).toBe('2 deltas');
    expect(chunksAndDeltas(0, 0)).toBe('0 chunks');
  });

  it('offers to reclaim only what a check found, not a skipped check or a real run', () => {
    expect(reclaimableOf(report())).toEqual({ chunks: 12, deltas: 0, uploads: 0, bytes: 1_200_000_000 });
    expect(reclaimableOf(report({ unreferenced: { chunks: 0, deltas: 0, bytes: 0 } }))).toBeNull();
    expect(reclaimableOf(report({ skipped: 'backup image bk_1 is being captured: run the collection again once it has ended' }))).toBeNull();
    expect(reclaimableOf(run(12, 0, 1_200_000_000))).toBeNull();
    expect(reclaimableOf(null)).toBeNull();
  });

  it('asks before deleting, naming the amount', () => {
    expect(reclaimQuestion({ chunks: 12, deltas: 0, uploads: 0, bytes: 1_200_000_000 })).toMatch(
      /^Delete 12 unused chunks \(1[.,]20 GB\) from the archive\? This cannot be undone\.$/,
    );
    expect(reclaimQuestion({ chunks: 1, deltas: 1, uploads: 0, bytes: 2050 })).toMatch(/^Delete 1 unused chunk and 1 unused delta \(2[.,]05 kB\)/);
  });

  it('says what a real run deleted, and when it differs from the check', () => {
    expect(deletedSummary(run(12, 0, 1_200_000_000))).toMatch(/^Deleted 12 chunks \(1[.,]20 GB\) from the archive$/);
    expect(deletedSummary(run(0, 0, 0))).toBe('Nothing was deleted: no chunk is unused any more');
    expect(deletedSummary(run(0, 0, 0, 'backup image bk_1 began capturing during the collection'))).toBe('Nothing was deleted');

    expect(differenceFromCheck(report(), run(12, 0, 1_200_000_000))).toBeNull();
    expect(differenceFromCheck(report(), run(13, 1, 1_300_000_000))).toMatch(/^This differs from the check, which found 12 chunks \(1[.,]20 GB\)/);
    expect(differenceFromCheck(report(), run(0, 0, 0, 'a capture began'))).toBeNull();
  });

  it('counts abandoned uploads as reclaimable, alone or with chunks', () => {
    const uploadsOnly = report({ unreferenced: { chunks: 0, deltas: 0, bytes: 0 }, abandonedUploads: { uploads: 2, bytes: 8_000_000, deleted: false } });
    expect(reclaimableOf(uploadsOnly)).toEqual({ chunks: 0, deltas: 0, uploads: 2, bytes: 8_000_000 });
    expect(reclaimQuestion(reclaimableOf(uploadsOnly)!)).toMatch(/^Delete 2 abandoned uploads \(8[.,]00 MB\) from the archive\?/);
    const both = report({ abandonedUploads: { uploads: 1, bytes: 4_000_000, deleted: false } });
    expect(reclaimQuestion(reclaimableOf(both)!)).toMatch(/^Delete 12 unused chunks and 1 abandoned upload \(1[.,]20 GB\)/);

    const ranUploadsOnly = report({ dryRun: false, unreferenced: { chunks: 0, deltas: 0, bytes: 0 }, abandonedUploads: { uploads: 2, bytes: 8_000_000, deleted: true } });
    expect(deletedSummary(ranUploadsOnly)).toMatch(/^Deleted 2 abandoned uploads \(8[.,]00 MB\) from the archive$/);
    expect(deletedAnything(ranUploadsOnly)).toBe(true);
    expect(differenceFromCheck(uploadsOnly, ranUploadsOnly)).toBeNull();
    // A capture began: the chunks were kept, the abandoned uploads deleted all the same.
    const skippedWithUploads = { ...ranUploadsOnly, skipped: 'backup image bk_1 began capturing during the collection' };
    expect(deletedSummary(skippedWithUploads)).toMatch(/^Deleted 2 abandoned uploads/);
    expect(deletedAnything(run(0, 0, 0))).toBe(false);
  });

  it('turns the API reasons into sentences', () => {
    expect(sentence('backup image bk_1 is being captured: run the collection again once it has ended')).toBe(
      'Backup image bk_1 is being captured: run the collection again once it has ended.',
    );
    expect(sentence('Already a sentence.')).toBe('Already a sentence.');
  });
});

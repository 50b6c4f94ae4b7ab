import type { StorageCollection } from '@marrow/shared';
import { formatNumber, formatSize } from '../../format/format';

/**
 * The words of the archive storage page about a collection's report (POST /v1/storage/collections):
 * what a check found to reclaim, the question before deleting it, and what a real run deleted.
 */

/** "1 chunk", "1,204 chunks". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatNumber(count)} ${count === 1 ? singular : pluralForm}`;
}

/** "12 chunks and 3 deltas", "1 unused chunk", "2 deltas": the parts that are not zero. */
export function chunksAndDeltas(chunks: number, deltas: number, adjective = ''): string {
  const noun = (word: string) => (adjective ? `${adjective} ${word}` : word);
  const parts = [chunks ? plural(chunks, noun('chunk')) : '', deltas ? plural(deltas, noun('delta')) : ''].filter(Boolean);
  return parts.length ? parts.join(' and ') : plural(0, noun('chunk'));
}

export interface Reclaimable {
  chunks: number;
  deltas: number;
  bytes: number;
}

/** What a check found that a real run would delete, or null when there is nothing (or it was skipped). */
export function reclaimableOf(report: StorageCollection | null | undefined): Reclaimable | null {
  if (!report || !report.dryRun || report.skipped !== null) return null;
  const { chunks, deltas, bytes } = report.unreferenced;
  return chunks + deltas > 0 ? { chunks, deltas, bytes } : null;
}

/** The confirmation: "Delete 12 unused chunks (1.20 GB) from the archive? This cannot be undone." */
export function reclaimQuestion({ chunks, deltas, bytes }: Reclaimable): string {
  return `Delete ${chunksAndDeltas(chunks, deltas, 'unused')} (${formatSize(bytes)}) from the archive? This cannot be undone.`;
}

/** The header of the outcome of a real run. */
export function deletedSummary(run: StorageCollection): string {
  if (run.skipped !== null) return 'Nothing was deleted';
  if (run.deleted.objects === 0) return 'Nothing was deleted: no chunk is unused any more';
  return `Deleted ${chunksAndDeltas(run.unreferenced.chunks, run.unreferenced.deltas)} (${formatSize(run.deleted.bytes)}) from the archive`;
}

/**
 * When a real run did not delete what the check before it announced (uploads aged past the
 * grace period, a master or backup image was deleted or added in between), says so; else null.
 */
export function differenceFromCheck(check: StorageCollection, run: StorageCollection): string | null {
  if (run.skipped !== null) return null;
  const announced = reclaimableOf(check) ?? { chunks: 0, deltas: 0, bytes: 0 };
  const same = run.unreferenced.chunks === announced.chunks && run.unreferenced.deltas === announced.deltas && run.deleted.bytes === announced.bytes;
  if (same) return null;
  return (
    `This differs from the check, which found ${chunksAndDeltas(announced.chunks, announced.deltas)} (${formatSize(announced.bytes)}): ` +
    'masters, backup images or uploads changed in between.'
  );
}

/** The API's sentences start in lower case ("backup image bk_… is being captured: …"). */
export function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

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
  /** Uploads of chunks that never completed, a day past their URL's expiry. */
  uploads: number;
  bytes: number;
}

/** "12 unused chunks and 2 abandoned uploads": what a run deletes, the parts that are not zero. */
export function reclaimableParts({ chunks, deltas, uploads }: Omit<Reclaimable, 'bytes'>, adjective = 'unused'): string {
  const objects = chunks + deltas > 0 || uploads === 0 ? chunksAndDeltas(chunks, deltas, adjective) : '';
  const abandoned = uploads > 0 ? plural(uploads, 'abandoned upload') : '';
  return [objects, abandoned].filter(Boolean).join(' and ');
}

/** What a check found that a real run would delete, or null when there is nothing (or it was skipped). */
export function reclaimableOf(report: StorageCollection | null | undefined): Reclaimable | null {
  if (!report || !report.dryRun || report.skipped !== null) return null;
  const { chunks, deltas, bytes } = report.unreferenced;
  const { uploads, bytes: uploadBytes } = report.abandonedUploads;
  const found = { chunks, deltas, uploads, bytes: bytes + uploadBytes };
  return isEmpty(found) ? null : found;
}

/** The confirmation: "Delete 12 unused chunks (1.20 GB) from the archive? This cannot be undone." */
export function reclaimQuestion(reclaimable: Reclaimable): string {
  return `Delete ${reclaimableParts(reclaimable)} (${formatSize(reclaimable.bytes)}) from the archive? This cannot be undone.`;
}

/** What a real run deleted, uploads included (the collection deletes those even when it skips the chunks). */
function deletedBy(run: StorageCollection): Reclaimable {
  const uploads = run.abandonedUploads.deleted ? run.abandonedUploads : { uploads: 0, bytes: 0 };
  const chunks = run.skipped === null && run.deleted.objects > 0 ? run.unreferenced : { chunks: 0, deltas: 0 };
  return { chunks: chunks.chunks, deltas: chunks.deltas, uploads: uploads.uploads, bytes: (run.skipped === null ? run.deleted.bytes : 0) + uploads.bytes };
}

/** The header of the outcome of a real run. */
export function deletedSummary(run: StorageCollection): string {
  const deleted = deletedBy(run);
  if (isEmpty(deleted)) {
    return run.skipped !== null ? 'Nothing was deleted' : 'Nothing was deleted: no chunk is unused any more';
  }
  return `Deleted ${reclaimableParts(deleted, '')} (${formatSize(deleted.bytes)}) from the archive`;
}

/** Whether a real run deleted anything at all. */
export function deletedAnything(run: StorageCollection): boolean {
  return !isEmpty(deletedBy(run));
}

function isEmpty({ chunks, deltas, uploads }: Omit<Reclaimable, 'bytes'>): boolean {
  return chunks + deltas + uploads === 0;
}

/**
 * When a real run did not delete what the check before it announced (uploads aged past the
 * grace period, a master or backup image was deleted or added in between), says so; else null.
 */
export function differenceFromCheck(check: StorageCollection, run: StorageCollection): string | null {
  if (run.skipped !== null) return null;
  const announced = reclaimableOf(check) ?? { chunks: 0, deltas: 0, uploads: 0, bytes: 0 };
  const deleted = deletedBy(run);
  const same = deleted.chunks === announced.chunks && deleted.deltas === announced.deltas && deleted.uploads === announced.uploads && deleted.bytes === announced.bytes;
  if (same) return null;
  return (
    `This differs from the check, which found ${reclaimableParts(announced, '')} (${formatSize(announced.bytes)}): ` +
    'masters, backup images or uploads changed in between.'
  );
}

/** The API's sentences start in lower case ("backup image bk_… is being captured: …"). */
export function sentence(text: string): string {
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

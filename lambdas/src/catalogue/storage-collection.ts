import { manifestSchema, type BackupImage, type Manifest, type StorageCollection } from '@marrow/shared';
import type { AppDeps } from '../app/deps';
import { ConflictError } from '../errors/marrow-error';
import { listAll } from '../ports/catalogue-store';
import { mapLimited } from './map-limited';

/**
 * Giving back the archive space of chunks nothing uses any more.
 *
 * Chunks (and their deltas) are shared by content between every master version and backup
 * image of a tenant, so deleting a master or a backup image deletes only its manifest; the
 * chunks stay until a collection finds that no manifest names them. A collection:
 *
 * 1. refuses to start while a capture is running (a capture relies on chunks already archived
 *    without uploading them again, and registers its manifest only at the end);
 * 2. reads every manifest of the tenant — the masters' versions and the backup images — and
 *    stops, deleting nothing, when a manifest that must be there cannot be read;
 * 3. lists the tenant's chunks and deltas and picks those no manifest names and that are older
 *    than the grace period (an upload in flight is young);
 * 4. checks again that no capture began meanwhile, then deletes them (not on a dry run).
 *
 * First of all, and whatever captures do, it deletes agent and driver-set uploads never
 * completed a day after their upload URL expired (their bytes, if any arrived, then their
 * record): nothing can complete them any more.
 *
 * An edge learns which chunks are archived before it registers a capture (the backup image
 * exists only from registration on), so a collection may still take an unused chunk that an
 * upload counts on. Registration then refuses (every chunk must be archived) and the edge
 * sends what the archive lacks from its cache and registers again (edge upload-capture.ts):
 * nothing half-deleted is ever registered.
 */

/** Unreferenced objects younger than this are kept: a capture's or an import's uploads in flight. */
export const STORAGE_GRACE_MS = 7 * 24 * 60 * 60 * 1000;
/** An upload not completed this long after its URL expired is abandoned. */
const ABANDONED_UPLOAD_AFTER_MS = 24 * 60 * 60 * 1000;
/** A backup image still "capturing" after this long was abandoned (an edge registers within minutes of a capture's end). */
const ABANDONED_CAPTURE_AFTER_MS = 24 * 60 * 60 * 1000;
const MANIFEST_CONCURRENCY = 8;

interface Options {
  dryRun: boolean;
  graceMs?: number;
}

/** What a collection needs: the catalogue, the archive and the time (the API's deps, or the scheduled function's). */
export type StorageCollectionDeps = Pick<AppDeps, 'store' | 'archive' | 'clock'>;

export async function collectUnreferencedStorage(deps: StorageCollectionDeps, tenantId: string, options: Options): Promise<StorageCollection> {
  const started = deps.clock();
  const graceMs = options.graceMs ?? STORAGE_GRACE_MS;
  // Uploads have nothing to do with captures: they are collected even when chunks are not.
  const abandonedUploads = await collectAbandonedUploads(deps, tenantId, started, options.dryRun);
  const report: StorageCollection = {
    tenantId,
    dryRun: options.dryRun,
    startedAt: started.toISOString(),
    skipped: null,
    manifestsRead: 0,
    referenced: { chunks: 0, deltas: 0 },
    unreferenced: { chunks: 0, deltas: 0, bytes: 0 },
    keptRecent: { objects: 0, bytes: 0 },
    deleted: { objects: 0, bytes: 0 },
    abandonedUploads,
  };
  const images = await listAll(deps.store, tenantId, 'backupImage');
  const running = captureAmong(images, started, deps.clock());
  if (running) return { ...report, skipped: `backup image ${running.id} is being captured: run the collection again once it has ended` };

  const manifests = await readEveryManifest(deps, tenantId, images);
  const chunks = new Set<string>();
  const deltas = new Set<string>();
  for (const manifest of manifests) {
    for (const partition of manifest.partitions) {
      for (const ref of partition.chunks) {
        chunks.add(ref.h);
        if (ref.d !== undefined) deltas.add(ref.h);
      }
    }
  }
  report.manifestsRead = manifests.length;
  report.referenced = { chunks: chunks.size, deltas: deltas.size };

  const doomed: string[] = [];
  const oldest = started.getTime() - graceMs;
  for (const [prefix, kind, kept] of [['chunks/', 'chunks', chunks] as const, ['deltas/', 'deltas', deltas] as const]) {
    for await (const object of deps.archive.list(tenantId, prefix)) {
      const hash = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (kept.has(hash)) continue;
      // An object without a date is treated as new: never deleted on a guess.
      if (!object.lastModified || object.lastModified.getTime() > oldest) {
        report.keptRecent.objects++;
        report.keptRecent.bytes += object.sizeBytes;
        continue;
      }
      report.unreferenced[kind]++;
      report.unreferenced.bytes += object.sizeBytes;
      doomed.push(object.key);
    }
  }

  // Read again: a capture may have begun while the archive was listed.
  const begun = captureAmong(await listAll(deps.store, tenantId, 'backupImage'), started, deps.clock());
  if (begun) return { ...report, skipped: `backup image ${begun.id} began capturing during the collection: nothing was deleted; run it again once the capture has ended` };
  if (!options.dryRun && doomed.length > 0) {
    await deps.archive.delete(tenantId, doomed);
    report.deleted = { objects: doomed.length, bytes: report.unreferenced.bytes };
  }
  return report;
}

/** Uploads nobody completed, a day after their URL expired: bytes first, then the record (an interrupted run is finished by the next). */
async function collectAbandonedUploads(deps: StorageCollectionDeps, tenantId: string, now: Date, dryRun: boolean): Promise<StorageCollection['abandonedUploads']> {
  const abandoned = (await listAll(deps.store, tenantId, 'fileUpload')).filter((upload) => Date.parse(upload.expiresAt) < now.getTime() - ABANDONED_UPLOAD_AFTER_MS);
  let bytes = 0;
  for (const upload of abandoned) bytes += (await deps.archive.head(tenantId, upload.objectKey))?.sizeBytes ?? 0;
  if (!dryRun && abandoned.length > 0) {
    await deps.archive.delete(tenantId, abandoned.map((upload) => upload.objectKey));
    for (const upload of abandoned) await deps.store.delete(tenantId, 'fileUpload', upload.id);
  }
  return { uploads: abandoned.length, bytes, deleted: !dryRun && abandoned.length > 0 };
}

/** Among `images`, a capture that is running (not abandoned) at `now`, or that began at or after `since`. */
function captureAmong(images: readonly BackupImage[], since: Date, now: Date): BackupImage | undefined {
  return images.find(
    (image) =>
      (image.state === 'capturing' && now.getTime() - Date.parse(image.updatedAt) < ABANDONED_CAPTURE_AFTER_MS) || Date.parse(image.createdAt) >= since.getTime(),
  );
}

/**
 * Every manifest of the tenant. A master version's or a ready backup image's manifest must be
 * readable: without it we cannot know what it uses, so the collection stops. A failed or
 * abandoned capture may never have uploaded one (then it names nothing).
 */
async function readEveryManifest(deps: StorageCollectionDeps, tenantId: string, images: readonly BackupImage[]): Promise<Manifest[]> {
  const masters = await listAll(deps.store, tenantId, 'master');
  const wanted: { key: string; owner: string; required: boolean }[] = [];
  for (const master of masters) {
    for (const version of master.versions) {
      if (version.manifestKey) wanted.push({ key: version.manifestKey, owner: `version ${version.number} of master ${master.label}`, required: true });
    }
  }
  for (const image of images) {
    if (image.manifestKey) wanted.push({ key: image.manifestKey, owner: `backup image ${image.id}`, required: image.state === 'ready' });
  }
  const read = await mapLimited(wanted, MANIFEST_CONCURRENCY, async ({ key, owner, required }) => {
    const bytes = await deps.archive.get(tenantId, key);
    if (!bytes) {
      if (required) throw new ConflictError(`the manifest of ${owner} (${key}) is missing from the archive: nothing was collected`);
      return undefined;
    }
    const parsed = manifestSchema.safeParse(parseJson(bytes));
    if (!parsed.success) {
      if (required) throw new ConflictError(`the manifest of ${owner} (${key}) cannot be read: nothing was collected`);
      return undefined;
    }
    return parsed.data;
  });
  return read.filter((manifest): manifest is Manifest => manifest !== undefined);
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}

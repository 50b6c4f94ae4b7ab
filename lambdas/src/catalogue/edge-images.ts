import { chunkPath, compressedSize, deltaPath, manifestSchema, uniqueChunks, type BackupImage, type Entity, type Machine, type Manifest, type Master } from '@marrow/shared';
import type { AppDeps } from '../app/deps';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/marrow-error';
import { getOrNotFound, newMeta, updateRecord } from './records';
import type { EdgePrincipal } from './enrolment';
import { listServedEntities } from './snapshot';
import { createMaster } from './masters';
import { listAll } from '../ports/catalogue-store';
import { mapLimited } from './map-limited';

/** Presigned URLs live long enough for a slow site link to move one chunk, no longer. */
export const UPLOAD_URL_SECONDS = 15 * 60;
const HEAD_CONCURRENCY = 16;

type HashUrl = { h: string; url: string };

/** Which of these hashes the tenant's archive lacks at `pathOf(h)`, with a short-lived PUT URL for each. */
async function missingUploadUrls(deps: AppDeps, edge: EdgePrincipal, hashes: readonly string[], pathOf: (h: string) => string): Promise<HashUrl[]> {
  const missing = await mapLimited([...new Set(hashes)], HEAD_CONCURRENCY, async (h) => ((await deps.archive.head(edge.tenantId, pathOf(h))) ? undefined : h));
  return Promise.all(
    missing.filter((h): h is string => h !== undefined).map(async (h) => ({ h, url: await deps.archive.presignPut(edge.tenantId, pathOf(h), UPLOAD_URL_SECONDS) })),
  );
}

/** A short-lived GET URL for each of these hashes at `pathOf(h)` (not checked: an absent object answers 404 there). */
async function downloadUrls(deps: AppDeps, edge: EdgePrincipal, hashes: readonly string[], pathOf: (h: string) => string): Promise<HashUrl[]> {
  return Promise.all([...new Set(hashes)].map(async (h) => ({ h, url: await deps.archive.presignGet(edge.tenantId, pathOf(h), UPLOAD_URL_SECONDS) })));
}

/**
 * Which of these chunks the tenant's archive lacks, with a short-lived PUT URL for each: the
 * edge uploads new chunks straight to S3 and never holds AWS credentials.
 */
export async function chunkUploadUrls(deps: AppDeps, edge: EdgePrincipal, hashes: readonly string[]): Promise<HashUrl[]> {
  return missingUploadUrls(deps, edge, hashes, chunkPath);
}

/** GET URLs for chunks the edge must fetch (a master's chunks missing from its cache). */
export async function chunkDownloadUrls(deps: AppDeps, edge: EdgePrincipal, hashes: readonly string[]): Promise<HashUrl[]> {
  return downloadUrls(deps, edge, hashes, chunkPath);
}

/**
 * Which of these chunk deltas (design §5: a new chunk compressed against chunks of the image it
 * is a new version of) the tenant's archive lacks, with a short-lived PUT URL for each. The same
 * scoping as chunks: the tenant's prefix only, one delta per chunk, never overwritten.
 */
export async function deltaUploadUrls(deps: AppDeps, edge: EdgePrincipal, hashes: readonly string[]): Promise<HashUrl[]> {
  return missingUploadUrls(deps, edge, hashes, deltaPath);
}

/** GET URLs for chunk deltas (a missing chunk the edge can rebuild from chunks it holds); a delta that is not archived answers 404 there. */
export async function deltaDownloadUrls(deps: AppDeps, edge: EdgePrincipal, hashes: readonly string[]): Promise<HashUrl[]> {
  return downloadUrls(deps, edge, hashes, deltaPath);
}

/**
 * The latest ready backup image of a machine this edge serves, with its manifest: what a new
 * capture of that machine is a new version of (its parent), so that the edge can upload deltas
 * of the chunks that changed. Not found when the machine has none.
 */
export async function latestBackup(deps: AppDeps, edge: EdgePrincipal, machineId: string): Promise<{ backupImageId: string; manifestKey: string; manifest: Manifest }> {
  const { machine } = await servedMachine(deps, edge, machineId);
  const ready = (await listAll(deps.store, edge.tenantId, 'backupImage', { group: machine.entityId }))
    .filter((b) => b.machineId === machine.id && b.state === 'ready' && b.manifestKey)
    .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
  const latest = ready.at(-1);
  if (!latest) throw new NotFoundError(`machine ${machine.id} has no ready backup image`);
  return { backupImageId: latest.id, manifestKey: latest.manifestKey!, manifest: await readManifest(deps, edge.tenantId, latest.manifestKey!) };
}

/**
 * A machine of an entity this edge serves, with that entity, or a refusal: 403, or 400 naming
 * `field` when the machine id came in the request body (a missing machine is 404 either way).
 */
export async function servedMachine(deps: AppDeps, edge: EdgePrincipal, machineId: string, field?: string): Promise<{ machine: Machine; entity: Entity }> {
  const machine = await getOrNotFound(deps.store, edge.tenantId, 'machine', machineId, field);
  const entity = (await listServedEntities(deps.store, edge.tenantId, edge.entityId)).find((e) => e.id === machine.entityId);
  if (!entity) {
    const refusal = `machine ${machine.id} is not served by this imaging server`;
    throw field ? new ValidationError(`${field}: ${refusal}`) : new ForbiddenError(refusal);
  }
  return { machine, entity };
}

/** Starts a backup image for a capture: the record (capturing) and where to upload its manifest. */
export async function beginBackup(deps: AppDeps, edge: EdgePrincipal, machineId: string, description: string): Promise<{ backupImage: BackupImage; manifestUploadUrl: string }> {
  const { machine } = await servedMachine(deps, edge, machineId, 'body.machineId');
  await failAbandonedCaptures(deps, edge.tenantId, machine);
  const id = deps.newId('backupImage');
  const backupImage: BackupImage = {
    ...newMeta(edge.tenantId, deps.clock()),
    id,
    entityId: machine.entityId,
    machineId: machine.id,
    description,
    state: 'capturing',
    sizeBytes: 0,
    compressedSizeBytes: 0,
    manifestKey: `backups/${id}/manifest.json`,
  };
  await deps.store.create(edge.tenantId, 'backupImage', id, backupImage);
  return { backupImage, manifestUploadUrl: await deps.archive.presignPut(edge.tenantId, backupImage.manifestKey!, UPLOAD_URL_SECONDS) };
}

/**
 * An edge registers a backup image only once every chunk is uploaded, then completes it
 * seconds later; one still "capturing" long after was abandoned (the edge stopped in
 * between). When the machine is next captured, such a leftover is marked failed, so it
 * no longer passes for a capture in progress and can never be completed.
 */
export const ABANDONED_CAPTURE_MS = 15 * 60 * 1000;

async function failAbandonedCaptures(deps: AppDeps, tenantId: string, machine: { id: string; entityId: string }): Promise<void> {
  const now = deps.clock();
  for (const backup of await listAll(deps.store, tenantId, 'backupImage', { group: machine.entityId })) {
    if (backup.machineId !== machine.id || backup.state !== 'capturing') continue;
    if (now.getTime() - Date.parse(backup.createdAt) < ABANDONED_CAPTURE_MS) continue;
    await updateRecord(deps.store, tenantId, 'backupImage', backup.id, now, (b) =>
      b.state === 'capturing' ? { ...b, state: 'failed', description: `${b.description} (abandoned: the imaging server stopped before completing it)`.slice(0, 500) } : b,
    );
  }
}

/**
 * Completes a capture: the uploaded manifest must be valid, belong to this tenant and
 * machine, and every chunk it names must be in the archive. Only then is the backup image
 * ready — a half-uploaded capture never becomes restorable.
 */
export async function completeBackup(deps: AppDeps, edge: EdgePrincipal, backupImageId: string): Promise<BackupImage> {
  const backup = await getOrNotFound(deps.store, edge.tenantId, 'backupImage', backupImageId);
  await servedMachine(deps, edge, backup.machineId, 'body.machineId');
  if (backup.state === 'ready') return backup;
  if (backup.state === 'failed') throw new ConflictError(`backup image ${backup.id} failed (${backup.description}); capture the machine again`);
  const manifest = await readManifest(deps, edge.tenantId, backup.manifestKey!);
  if (manifest.machineId && manifest.machineId !== backup.machineId) throw new ValidationError('the manifest names another machine');
  const chunks = uniqueChunks(manifest);
  const absent = (await mapLimited(chunks, HEAD_CONCURRENCY, async (c) => ((await deps.archive.head(edge.tenantId, chunkPath(c.h))) ? undefined : c.h))).filter(Boolean);
  if (absent.length) throw new ConflictError(`${absent.length} chunk(s) of this backup are not uploaded yet (first: ${absent[0]})`);
  return updateRecord(deps.store, edge.tenantId, 'backupImage', backup.id, deps.clock(), (b) => ({
    ...b,
    state: 'ready',
    sizeBytes: manifest.partitions.reduce((sum, p) => sum + p.streamBytes, 0),
    compressedSizeBytes: compressedSize(manifest),
  }));
}

/**
 * Promotes a ready backup image of a machine this edge serves to a master of the machine's
 * entity: what `marrow-edge import-master` does once its import is registered. An edge may
 * already register backup images of its machines; this lets it publish one as a master.
 */
export async function promoteBackup(
  deps: AppDeps,
  edge: EdgePrincipal,
  backupImageId: string,
  options: { description: string; inDefaultStartupMenu: boolean },
): Promise<Master> {
  const backup = await getOrNotFound(deps.store, edge.tenantId, 'backupImage', backupImageId);
  await servedMachine(deps, edge, backup.machineId, 'body.machineId');
  return createMaster(deps, edge.tenantId, {
    entityId: backup.entityId,
    description: options.description,
    inDefaultStartupMenu: options.inDefaultStartupMenu,
    sourceBackupImageId: backup.id,
    postImagingScriptIds: [],
  });
}

export async function readManifest(deps: AppDeps, tenantId: string, key: string): Promise<Manifest> {
  const bytes = await deps.archive.get(tenantId, key);
  if (!bytes) throw new ConflictError('the manifest has not been uploaded');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new ValidationError('the manifest is not valid JSON');
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new ValidationError(`the manifest is not valid: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (parsed.data.tenantId !== tenantId) throw new ValidationError('the manifest belongs to another tenant');
  return parsed.data;
}

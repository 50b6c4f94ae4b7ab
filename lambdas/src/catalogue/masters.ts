import { masterLabel, type Master, type MasterVersion } from '@marrow/shared';
import { ConflictError } from '../errors/marrow-error';
import type { AppDeps } from '../app/deps';
import { getOrNotFound, newMeta, updateRecord } from './records';
import { describeDeployments, refuseIfUsed, unfinishedDeploymentsOfMaster } from './usage';
import { sendToServingImagingServer } from './edge-commands';

export interface NewMaster {
  entityId: string;
  description: string;
  inDefaultStartupMenu: boolean;
  sourceBackupImageId: string | null;
  postImagingScriptIds: string[];
}

/** Where a master's objects live in the masters bucket, under the tenant prefix. */
export function masterPrefix(masterId: string): string {
  return `masters/${masterId}/`;
}

/**
 * Creates a master, from a ready backup image when one is named ("promote to master"). The
 * backup's manifest is copied under the master's own prefix, so the backup image can later
 * be deleted without breaking the master (chunks are shared, manifests are not).
 */
export async function createMaster(deps: AppDeps, tenantId: string, input: NewMaster, field = 'body'): Promise<Master> {
  const { store, archive } = deps;
  const now = deps.clock();
  await getOrNotFound(store, tenantId, 'entity', input.entityId, `${field}.entityId`);
  for (const scriptId of input.postImagingScriptIds) {
    await getOrNotFound(store, tenantId, 'postImagingScript', scriptId, `${field}.postImagingScriptIds`);
  }
  const id = deps.newId('master');
  const versions: MasterVersion[] = [];
  if (input.sourceBackupImageId) {
    const backup = await getOrNotFound(store, tenantId, 'backupImage', input.sourceBackupImageId, `${field}.sourceBackupImageId`);
    if (backup.state !== 'ready') throw new ConflictError(`backup image ${backup.id} is ${backup.state}; only a ready backup image can become a master`);
    if (backup.entityId !== input.entityId) throw new ConflictError(`backup image ${backup.id} belongs to another entity`);
    let manifestKey: string | null = null;
    if (backup.manifestKey) {
      const manifest = await archive.get(tenantId, backup.manifestKey);
      if (!manifest) throw new ConflictError(`the manifest of backup image ${backup.id} is missing from the archive`);
      manifestKey = `${masterPrefix(id)}v1/manifest.json`;
      await archive.put(tenantId, manifestKey, manifest, { contentType: 'application/json' });
    }
    versions.push({
      number: 1,
      createdAt: now.toISOString(),
      manifestKey,
      sizeBytes: backup.sizeBytes,
      compressedSizeBytes: backup.compressedSizeBytes,
    });
  }
  const createdAt = now.toISOString();
  const master: Master = {
    ...newMeta(tenantId, now),
    id,
    entityId: input.entityId,
    label: masterLabel(id, createdAt),
    description: input.description,
    compressedSizeBytes: versions.at(-1)?.compressedSizeBytes ?? 0,
    inDefaultStartupMenu: input.inDefaultStartupMenu,
    sourceBackupImageId: input.sourceBackupImageId,
    postImagingScriptIds: input.postImagingScriptIds,
    versions,
  };
  await store.create(tenantId, 'master', master.id, master);
  // The site pre-fetches a published master, so deployments stream from its own cache.
  const version = master.versions.at(-1);
  if (version) {
    await sendToServingImagingServer(deps, tenantId, master.entityId, { type: 'sync-master', masterId: master.id, version: version.number });
  }
  return master;
}

/**
 * Publishes a ready backup image as the next version of an existing master (the monthly
 * refresh of a golden image: same label, same menu entry, same scripts). Sites pre-fetch
 * it, and since versions share most chunks they download only what changed. Refused while
 * an unfinished deployment uses the master: its machines must all get the same version.
 */
export async function addMasterVersion(deps: AppDeps, tenantId: string, masterId: string, backupImageId: string): Promise<Master> {
  const { store, archive } = deps;
  const now = deps.clock();
  const master = await getOrNotFound(store, tenantId, 'master', masterId);
  const backup = await getOrNotFound(store, tenantId, 'backupImage', backupImageId, 'body.backupImageId');
  if (backup.state !== 'ready') throw new ConflictError(`backup image ${backup.id} is ${backup.state}; only a ready backup image can become a master version`);
  if (backup.entityId !== master.entityId) throw new ConflictError(`backup image ${backup.id} belongs to another entity than master ${master.label}`);
  if (!backup.manifestKey) throw new ConflictError(`backup image ${backup.id} has no image in the archive`);
  const deployments = await unfinishedDeploymentsOfMaster(store, tenantId, master);
  refuseIfUsed(`master ${master.label}`, describeDeployments(deployments));
  const manifest = await archive.get(tenantId, backup.manifestKey);
  if (!manifest) throw new ConflictError(`the manifest of backup image ${backup.id} is missing from the archive`);
  const number = (master.versions.at(-1)?.number ?? 0) + 1;
  const manifestKey = `${masterPrefix(master.id)}v${number}/manifest.json`;
  // The manifest first: a failure after it leaves an unreferenced object, never a version without its image.
  await archive.put(tenantId, manifestKey, manifest, { contentType: 'application/json' });
  const updated = await updateRecord(store, tenantId, 'master', master.id, now, (current) => {
    if (current.versions.some((v) => v.number === number)) throw new ConflictError(`master ${master.label} got a version ${number} meanwhile; try again`);
    return {
      ...current,
      sourceBackupImageId: backup.id,
      compressedSizeBytes: backup.compressedSizeBytes,
      versions: [...current.versions, { number, createdAt: now.toISOString(), manifestKey, sizeBytes: backup.sizeBytes, compressedSizeBytes: backup.compressedSizeBytes }],
    };
  });
  await sendToServingImagingServer(deps, tenantId, updated.entityId, { type: 'sync-master', masterId: updated.id, version: number });
  return updated;
}

import { masterLabel, type Master, type MasterVersion } from '@marrow/shared';
import { ConflictError } from '../errors/marrow-error';
import type { AppDeps } from '../app/deps';
import { getOrNotFound, newMeta } from './records';
import { sendCommand, servingImagingServer } from './edge-commands';

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
    const serverId = await servingImagingServer(deps, tenantId, master.entityId);
    if (serverId) await sendCommand(deps, tenantId, serverId, { type: 'sync-master', masterId: master.id, version: version.number });
  }
  return master;
}

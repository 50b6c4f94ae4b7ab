import type { RecordMeta } from '@marrow/shared';
import { NotFoundError, VersionConflictError } from '../errors/marrow-error';
import type { CatalogueRecords, CatalogueStore, RecordKind } from '../ports/catalogue-store';

/** How each kind is named in messages to users. */
export const kindWords: Record<RecordKind, string> = {
  tenant: 'tenant',
  user: 'user',
  entity: 'entity',
  imagingServer: 'imaging server',
  machine: 'machine',
  backupImage: 'backup image',
  master: 'master',
  bootService: 'boot service',
  startupMenu: 'default startup menu',
  postImagingScript: 'post-imaging script',
  answerFile: 'answer file',
  agent: 'agent',
  driverSet: 'driver set',
  fileUpload: 'upload',
  deployment: 'deployment',
  deploymentTask: 'deployment task',
  backupRequest: 'backup request',
  imagingServerHealth: 'imaging server health',
  imagingServerSecret: 'imaging server secret',
  enrolmentCode: 'enrolment code',
  appliedEdgeMessage: 'applied edge message',
  edgeCommand: 'edge command',
};

export function newMeta(tenantId: string, now: Date): RecordMeta {
  const at = now.toISOString();
  return { tenantId, createdAt: at, updatedAt: at, version: 1 };
}

/** The record, or a NotFoundError naming what is missing ("no master ms_… in this tenant"). */
export async function getOrNotFound<K extends RecordKind>(
  store: CatalogueStore,
  scope: string,
  kind: K,
  id: string,
  field?: string,
): Promise<CatalogueRecords[K]> {
  const record = await store.get(scope, kind, id);
  if (!record) {
    const prefix = field ? `${field}: ` : '';
    throw new NotFoundError(`${prefix}no ${kindWords[kind]} ${id} in this tenant`);
  }
  return record;
}

/**
 * Read-modify-write of one record under optimistic concurrency: `change` gets the current
 * record and returns the new one (or throws to refuse); a concurrent writer makes us re-read
 * and try again, a few times, before answering 409.
 */
export async function updateRecord<K extends RecordKind>(
  store: CatalogueStore,
  scope: string,
  kind: K,
  id: string,
  now: Date,
  change: (current: CatalogueRecords[K]) => CatalogueRecords[K] | Promise<CatalogueRecords[K]>,
): Promise<CatalogueRecords[K]> {
  for (let attempt = 1; ; attempt++) {
    const current = await getOrNotFound(store, scope, kind, id);
    const next = { ...(await change(current)), version: current.version + 1, updatedAt: now.toISOString() };
    try {
      await store.replace(scope, kind, id, next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= 4) throw error;
    }
  }
}

/** Copies the defined fields of a PATCH body over a record. */
export function applyPatch<T extends object>(record: T, patch: Partial<T>): T {
  const next = { ...record };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  return next;
}

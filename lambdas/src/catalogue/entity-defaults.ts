import { builtinBootServiceKinds, builtinBootServiceLabels, type BootService, type IdKind } from '@marrow/shared';
import { RecordExistsError } from '../errors/marrow-error';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';
import { newMeta } from './records';

const builtinOrder: Record<(typeof builtinBootServiceKinds)[number], number> = {
  'local-disk': 10,
  register: 20,
  backup: 30,
  'deploy-master': 40,
  diagnostics: 50,
};

/**
 * Gives an entity its builtin boot services and its default startup menu. Entity creation
 * runs it; so does every read of those records, which makes an entity whose creation was
 * interrupted between writes whole again (we have no multi-item transactions, so every
 * multi-step write is built to be re-run).
 */
export async function ensureEntityDefaults(
  store: CatalogueStore,
  tenantId: string,
  entityId: string,
  now: Date,
  newId: (kind: IdKind) => string,
): Promise<void> {
  const existing = await listAll(store, tenantId, 'bootService', { group: entityId });
  const services = [...existing];
  for (const kind of builtinBootServiceKinds) {
    if (services.some((s) => s.kind === kind)) continue;
    const service: BootService = {
      ...newMeta(tenantId, now),
      id: newId('bootService'),
      entityId,
      kind,
      label: builtinBootServiceLabels[kind],
      enabled: kind !== 'diagnostics',
      order: builtinOrder[kind],
      ipxeScript: null,
    };
    await store.create(tenantId, 'bootService', service.id, service);
    services.push(service);
  }
  if (await store.get(tenantId, 'startupMenu', entityId)) return;
  const localDisk = services.find((s) => s.kind === 'local-disk')!;
  try {
    await store.create(tenantId, 'startupMenu', entityId, {
      ...newMeta(tenantId, now),
      entityId,
      classic: { defaultItemId: localDisk.id, timeoutSeconds: 10 },
      wol: { defaultItemId: localDisk.id, timeoutSeconds: 5 },
    });
  } catch (error) {
    if (!(error instanceof RecordExistsError)) throw error; // created concurrently: fine
  }
}

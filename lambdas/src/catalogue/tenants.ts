import type { IdKind, Tenant } from '@marrow/shared';
import { SYSTEM_SCOPE, type CatalogueStore } from '../ports/catalogue-store';
import { ensureEntityDefaults } from './entity-defaults';
import { newMeta } from './records';

/** The entity every new tenant starts with, as in the product it re-imagines. */
export const DEFAULT_ENTITY_NAME = 'General';

/** Creates a tenant with its "General" entity (boot services and startup menu included). */
export async function createTenant(
  store: CatalogueStore,
  name: string,
  now: Date,
  newId: (kind: IdKind) => string,
): Promise<Tenant> {
  const at = now.toISOString();
  const tenant: Tenant = { id: newId('tenant'), name, createdAt: at, updatedAt: at, version: 1 };
  await store.create(SYSTEM_SCOPE, 'tenant', tenant.id, tenant);
  const entityId = newId('entity');
  await store.create(tenant.id, 'entity', entityId, {
    ...newMeta(tenant.id, now),
    id: entityId,
    name: DEFAULT_ENTITY_NAME,
    description: 'The default entity',
    parentId: null,
    imagingServerId: null,
  });
  await ensureEntityDefaults(store, tenant.id, entityId, now, newId);
  return tenant;
}

import { startupMenuSchema, startupMenuUpdateSchema, type StartupMenuChoice } from '@marrow/shared';
import { ValidationError } from '../../errors/marrow-error';
import type { CatalogueStore } from '../../ports/catalogue-store';
import { ensureEntityDefaults } from '../../catalogue/entity-defaults';
import { applyPatch, getOrNotFound, updateRecord } from '../../catalogue/records';
import { route } from '../route';

const tag = 'Default startup menu';

/**
 * A menu's default item must be something the menu actually shows: an enabled boot service
 * of the same entity, or one of its masters flagged "in default startup menu".
 */
async function checkChoice(store: CatalogueStore, tenantId: string, entityId: string, choice: StartupMenuChoice, field: string) {
  const id = choice.defaultItemId;
  if (id.startsWith('bs_')) {
    const service = await store.get(tenantId, 'bootService', id);
    if (!service || service.entityId !== entityId) throw new ValidationError(`${field}: no boot service ${id} in this entity`);
    if (!service.enabled) throw new ValidationError(`${field}: boot service "${service.label}" is disabled; enable it first`);
    return;
  }
  const master = await store.get(tenantId, 'master', id);
  if (!master || master.entityId !== entityId) throw new ValidationError(`${field}: no master ${id} in this entity`);
  if (!master.inDefaultStartupMenu) throw new ValidationError(`${field}: master ${master.label} is not in the default startup menu`);
}

export const startupMenuRoutes = [
  route({
    method: 'get',
    path: '/v1/entities/:id/startup-menu',
    summary: "Get an entity's default startup menu (classic and Wake-on-LAN)",
    tag,
    access: 'read',
    response: startupMenuSchema,
    handle: async ({ deps, tenantId, params }) => {
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
      const menu = await deps.store.get(tenantId, 'startupMenu', entity.id);
      if (menu) return menu;
      await ensureEntityDefaults(deps.store, tenantId, entity.id, deps.clock(), deps.newId);
      return getOrNotFound(deps.store, tenantId, 'startupMenu', entity.id);
    },
  }),
  route({
    method: 'put',
    path: '/v1/entities/:id/startup-menu',
    summary: "Change the default selection or timeout of an entity's classic or WOL menu",
    tag,
    access: 'write',
    body: startupMenuUpdateSchema,
    response: startupMenuSchema,
    handle: async ({ deps, tenantId, params, body }) => {
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
      if (body.classic) await checkChoice(deps.store, tenantId, entity.id, body.classic, 'body.classic.defaultItemId');
      if (body.wol) await checkChoice(deps.store, tenantId, entity.id, body.wol, 'body.wol.defaultItemId');
      if (!(await deps.store.get(tenantId, 'startupMenu', entity.id))) {
        await ensureEntityDefaults(deps.store, tenantId, entity.id, deps.clock(), deps.newId);
      }
      return updateRecord(deps.store, tenantId, 'startupMenu', entity.id, deps.clock(), (menu) => applyPatch(menu, body));
    },
  }),
];


import { bootServiceCreateSchema, bootServiceSchema, bootServiceUpdateSchema, idSchema, type BootService } from '@marrow/shared';
import { ConflictError, ValidationError } from '../../errors/marrow-error';
import type { CatalogueStore } from '../../ports/catalogue-store';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { refuseIfUsed } from '../../catalogue/usage';
import { route } from '../route';
import { listQueryWith, pageOf } from './common';

const tag = 'Boot services';

/** Where a boot service is the default selection of its entity's menus. */
async function menuDefaultsUsing(store: CatalogueStore, tenantId: string, service: BootService): Promise<string[]> {
  const menu = await store.get(tenantId, 'startupMenu', service.entityId);
  if (!menu) return [];
  const uses: string[] = [];
  if (menu.classic.defaultItemId === service.id) uses.push('it is the default selection of the classic startup menu');
  if (menu.wol.defaultItemId === service.id) uses.push('it is the default selection of the WOL startup menu');
  return uses;
}

export const bootServiceRoutes = [
  route({
    method: 'get',
    path: '/v1/boot-services',
    summary: 'List boot services (of one entity with entityId)',
    tag,
    access: 'read',
    query: listQueryWith({ entityId: idSchema('entity').optional() }),
    response: pageOf(bootServiceSchema),
    handle: ({ deps, tenantId, query }) =>
      deps.store.list(tenantId, 'bootService', {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.entityId ? { group: query.entityId } : {}),
      }),
  }),
  route({
    method: 'post',
    path: '/v1/boot-services',
    summary: 'Add a custom boot service (an iPXE snippet) to an entity',
    tag,
    access: 'write',
    status: 201,
    body: bootServiceCreateSchema,
    response: bootServiceSchema,
    handle: async ({ deps, tenantId, body }) => {
      await getOrNotFound(deps.store, tenantId, 'entity', body.entityId, 'body.entityId');
      const service: BootService = { ...newMeta(tenantId, deps.clock()), id: deps.newId('bootService'), kind: 'custom', ...body };
      await deps.store.create(tenantId, 'bootService', service.id, service);
      return service;
    },
  }),
  route({
    method: 'get',
    path: '/v1/boot-services/:id',
    summary: 'Get a boot service',
    tag,
    access: 'read',
    response: bootServiceSchema,
    handle: ({ deps, tenantId, params }) => getOrNotFound(deps.store, tenantId, 'bootService', params.id!),
  }),
  route({
    method: 'patch',
    path: '/v1/boot-services/:id',
    summary: 'Enable, disable, rename or reorder a boot service (and edit a custom one)',
    tag,
    access: 'write',
    body: bootServiceUpdateSchema,
    response: bootServiceSchema,
    handle: ({ deps, tenantId, params, body }) =>
      updateRecord(deps.store, tenantId, 'bootService', params.id!, deps.clock(), async (service) => {
        if (body.ipxeScript !== undefined && service.kind !== 'custom') {
          throw new ValidationError('body.ipxeScript: only custom boot services carry an iPXE snippet');
        }
        if (body.enabled === false && service.enabled) {
          const uses = await menuDefaultsUsing(deps.store, tenantId, service);
          if (uses.length) throw new ConflictError(`boot service "${service.label}" cannot be disabled: ${uses.join('; ')}; choose another default first`);
        }
        return applyPatch(service, body);
      }),
  }),
  route({
    method: 'delete',
    path: '/v1/boot-services/:id',
    summary: 'Delete a custom boot service (builtin ones can only be disabled)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const service = await getOrNotFound(deps.store, tenantId, 'bootService', params.id!);
      if (service.kind !== 'custom') {
        throw new ConflictError(`"${service.label}" is a builtin boot service: it cannot be deleted; disable it instead`);
      }
      refuseIfUsed(`boot service "${service.label}"`, await menuDefaultsUsing(deps.store, tenantId, service));
      await deps.store.delete(tenantId, 'bootService', service.id, service.version);
    },
  }),
];

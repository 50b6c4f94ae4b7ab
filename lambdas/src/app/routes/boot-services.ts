
import { bootServiceCreateSchema, bootServiceSchema, bootServiceUpdateSchema, type BootService } from '@marrow/shared';
import { ConflictError, ValidationError } from '../../errors/marrow-error';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { refuseIfUsed, startupMenuDefaultsUsing } from '../../catalogue/usage';
import { route } from '../route';
import { getRoute, listRoute } from './crud';

const tag = 'Boot services';

export const bootServiceRoutes = [
  listRoute({ path: '/v1/boot-services', kind: 'bootService', schema: bootServiceSchema, summary: 'List boot services (of one entity with entityId)', tag, byEntity: true }),
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
  getRoute({ path: '/v1/boot-services', kind: 'bootService', schema: bootServiceSchema, summary: 'Get a boot service', tag }),
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
          const uses = await startupMenuDefaultsUsing(deps.store, tenantId, service.entityId, service.id);
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
      refuseIfUsed(`boot service "${service.label}"`, await startupMenuDefaultsUsing(deps.store, tenantId, service.entityId, service.id));
      await deps.store.delete(tenantId, 'bootService', service.id, service.version);
    },
  }),
];

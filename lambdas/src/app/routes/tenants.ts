import { z } from 'zod';
import { idSchema, tenantCreateSchema, tenantSchema, tenantUpdateSchema, type Tenant } from '@marrow/shared';
import { canAccessTenant, isOperatorOfEveryTenant } from '../../auth/principal';
import { NotFoundError } from '../../errors/marrow-error';
import { listAll, SYSTEM_SCOPE } from '../../ports/catalogue-store';
import { createTenant } from '../../catalogue/tenants';
import { applyPatch, updateRecord } from '../../catalogue/records';
import { refuseIfUsed } from '../../catalogue/usage';
import { route } from '../route';

const tag = 'Tenants';

export const tenantRoutes = [
  route({
    method: 'get',
    path: '/v1/tenants',
    summary: 'The tenants the caller may act in',
    tag,
    access: 'signed-in',
    response: z.object({ items: z.array(tenantSchema) }),
    handle: async ({ deps, principal }) => {
      if (isOperatorOfEveryTenant(principal)) return { items: await listAll(deps.store, SYSTEM_SCOPE, 'tenant') };
      const items: Tenant[] = [];
      for (const id of principal.tenantIds) {
        const tenant = await deps.store.get(SYSTEM_SCOPE, 'tenant', id);
        if (tenant) items.push(tenant);
      }
      return { items };
    },
  }),
  route({
    method: 'post',
    path: '/v1/tenants',
    summary: 'Create a tenant (MSP operators), with its "General" entity',
    tag,
    access: 'operator',
    status: 201,
    body: tenantCreateSchema,
    response: tenantSchema,
    handle: ({ deps, body }) => createTenant(deps.store, body.name, deps.clock(), deps.newId),
  }),
  route({
    method: 'get',
    path: '/v1/tenants/:tenantId',
    summary: 'Get a tenant',
    tag,
    access: 'signed-in',
    response: tenantSchema,
    handle: async ({ deps, principal, params }) => {
      const tenant = canAccessTenant(principal, params.tenantId!) ? await deps.store.get(SYSTEM_SCOPE, 'tenant', params.tenantId!) : undefined;
      if (!tenant) throw new NotFoundError(`no tenant ${params.tenantId}`);
      return tenant;
    },
  }),
  route({
    method: 'patch',
    path: '/v1/tenants/:tenantId',
    summary: 'Rename a tenant (MSP operators)',
    tag,
    access: 'operator',
    body: tenantUpdateSchema,
    response: tenantSchema,
    handle: ({ deps, params, body }) =>
      updateRecord(deps.store, SYSTEM_SCOPE, 'tenant', params.tenantId!, deps.clock(), (t) => applyPatch(t, body)),
  }),
  route({
    method: 'delete',
    path: '/v1/tenants/:tenantId',
    summary: 'Delete a tenant that has no entities left (MSP operators)',
    tag,
    access: 'operator',
    status: 204,
    handle: async ({ deps, params }) => {
      const tenantId = idSchema('tenant').safeParse(params.tenantId).success ? params.tenantId! : '';
      const tenant = tenantId ? await deps.store.get(SYSTEM_SCOPE, 'tenant', tenantId) : undefined;
      if (!tenant) throw new NotFoundError(`no tenant ${params.tenantId}`);
      const entities = await deps.store.list(tenant.id, 'entity', { limit: 1000 });
      refuseIfUsed(`tenant "${tenant.name}"`, entities.items.length ? [`it still has ${entities.items.length} entit${entities.items.length === 1 ? 'y' : 'ies'}; delete them first`] : []);
      await deps.store.delete(SYSTEM_SCOPE, 'tenant', tenant.id, tenant.version);
    },
  }),
];

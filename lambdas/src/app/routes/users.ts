import { z } from 'zod';
import { userCreateSchema, userSchema } from '@marrow/shared';
import { isOperatorOfEveryTenant } from '../../auth/principal';
import { ForbiddenError, NotFoundError } from '../../errors/marrow-error';
import { listAll, SYSTEM_SCOPE } from '../../ports/catalogue-store';
import { createUser, publicUser } from '../../catalogue/users';
import { route } from '../route';

const tag = 'Users';

export const userRoutes = [
  route({
    method: 'get',
    path: '/v1/users',
    summary: 'Users of the current tenant',
    tag,
    access: 'read',
    response: z.object({ items: z.array(userSchema) }),
    handle: async ({ deps, tenantId }) => {
      const users = await listAll(deps.store, SYSTEM_SCOPE, 'user');
      return { items: users.filter((u) => u.tenantIds.includes(tenantId)).map(publicUser) };
    },
  }),
  route({
    method: 'post',
    path: '/v1/users',
    summary: 'Create a user of the current tenant (operators may create operators)',
    tag,
    access: 'write',
    status: 201,
    body: userCreateSchema,
    response: userSchema,
    handle: ({ deps, tenantId, principal, body }) => {
      const operator = isOperatorOfEveryTenant(principal);
      if (body.role === 'msp-operator' && !operator) throw new ForbiddenError('only an MSP operator of every tenant may create operators');
      if (body.tenantIds && !operator) throw new ForbiddenError('only an MSP operator of every tenant may grant other tenants');
      return createUser(deps.store, { ...body, tenantIds: body.tenantIds ?? [tenantId] }, deps.clock(), deps.newId);
    },
  }),
  route({
    method: 'delete',
    path: '/v1/users/:username',
    summary: 'Remove a user of the current tenant',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, principal, params }) => {
      const user = await deps.store.get(SYSTEM_SCOPE, 'user', params.username!);
      const mine = user && (isOperatorOfEveryTenant(principal) || (user.tenantIds.length === 1 && user.tenantIds[0] === tenantId));
      if (!user || !mine) throw new NotFoundError(`no user "${params.username}" in this tenant`);
      if (user.id === principal.userId) throw new ForbiddenError('you cannot remove your own account');
      if (user.role === 'msp-operator' && !isOperatorOfEveryTenant(principal)) throw new ForbiddenError('only an MSP operator may remove an operator');
      await deps.store.delete(SYSTEM_SCOPE, 'user', user.username, user.version);
    },
  }),
];

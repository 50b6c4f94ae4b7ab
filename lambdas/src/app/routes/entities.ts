import { z } from 'zod';
import {
  checkEntityParent,
  entityCreateSchema,
  entitySchema,
  entityStatistics,
  entityStatisticsSchema,
  entityUpdateSchema,
  idSchema,
  type Entity,
} from '@marrow/shared';
import { ValidationError } from '../../errors/marrow-error';
import { listAll } from '../../ports/catalogue-store';
import { ensureEntityDefaults } from '../../catalogue/entity-defaults';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { describeDeployments, refuseIfUsed, unfinishedDeployments } from '../../catalogue/usage';
import { route } from '../route';
import { listQueryWith, pageOf } from './common';

const tag = 'Entities';

export const entityRoutes = [
  route({
    method: 'get',
    path: '/v1/entities',
    summary: 'List entities (all, or the children of one entity; "root" for top-level ones)',
    tag,
    access: 'read',
    query: listQueryWith({ parentId: z.union([idSchema('entity'), z.literal('root')]).optional() }),
    response: pageOf(entitySchema),
    handle: ({ deps, tenantId, query }) =>
      deps.store.list(tenantId, 'entity', {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.parentId ? { group: query.parentId } : {}),
      }),
  }),
  route({
    method: 'post',
    path: '/v1/entities',
    summary: 'Create an entity, with its builtin boot services and default startup menu',
    tag,
    access: 'write',
    status: 201,
    body: entityCreateSchema,
    response: entitySchema,
    handle: async ({ deps, tenantId, body }) => {
      const now = deps.clock();
      if (body.parentId) {
        const problem = checkEntityParent(await listAll(deps.store, tenantId, 'entity'), null, body.parentId);
        if (problem) {
          await getOrNotFound(deps.store, tenantId, 'entity', body.parentId, 'body.parentId');
          throw new ValidationError(`body.parentId: ${problem}`);
        }
      }
      const entity: Entity = { ...newMeta(tenantId, now), id: deps.newId('entity'), ...body, imagingServerId: null };
      await deps.store.create(tenantId, 'entity', entity.id, entity);
      await ensureEntityDefaults(deps.store, tenantId, entity.id, now, deps.newId);
      return entity;
    },
  }),
  route({
    method: 'get',
    path: '/v1/entities/:id',
    summary: 'Get an entity',
    tag,
    access: 'read',
    response: entitySchema,
    handle: ({ deps, tenantId, params }) => getOrNotFound(deps.store, tenantId, 'entity', params.id!),
  }),
  route({
    method: 'patch',
    path: '/v1/entities/:id',
    summary: 'Rename, describe or move an entity',
    tag,
    access: 'write',
    body: entityUpdateSchema,
    response: entitySchema,
    handle: async ({ deps, tenantId, params, body }) => {
      if (body.parentId !== undefined) {
        const problem = checkEntityParent(await listAll(deps.store, tenantId, 'entity'), params.id!, body.parentId);
        if (problem) {
          await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
          if (body.parentId) await getOrNotFound(deps.store, tenantId, 'entity', body.parentId, 'body.parentId');
          throw new ValidationError(`body.parentId: ${problem}`);
        }
      }
      return updateRecord(deps.store, tenantId, 'entity', params.id!, deps.clock(), (e) => applyPatch(e, body));
    },
  }),
  route({
    method: 'delete',
    path: '/v1/entities/:id',
    summary: 'Delete an empty entity (refused, saying why, while anything still belongs to it)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
      const { store } = deps;
      const [children, machines, masters, backups, deployments] = await Promise.all([
        store.list(tenantId, 'entity', { group: entity.id, limit: 1 }),
        store.list(tenantId, 'machine', { group: entity.id, limit: 1000 }),
        store.list(tenantId, 'master', { group: entity.id, limit: 1000 }),
        store.list(tenantId, 'backupImage', { group: entity.id, limit: 1000 }),
        unfinishedDeployments(store, tenantId, entity.id),
      ]);
      const uses: string[] = [];
      if (children.items.length) uses.push('it has child entities');
      if (entity.imagingServerId) uses.push(`imaging server ${entity.imagingServerId} serves it`);
      if (machines.items.length) uses.push(`${machines.items.length} machine(s) belong to it`);
      if (masters.items.length) uses.push(`${masters.items.length} master(s) belong to it`);
      if (backups.items.length) uses.push(`${backups.items.length} backup image(s) belong to it`);
      uses.push(...describeDeployments(deployments));
      refuseIfUsed(`entity "${entity.name}"`, uses);
      // Its menu and boot services go first: an interrupted delete leaves an entity that
      // ensureEntityDefaults repairs, never boot services without an entity.
      await store.delete(tenantId, 'startupMenu', entity.id);
      for (const service of await listAll(store, tenantId, 'bootService', { group: entity.id })) {
        await store.delete(tenantId, 'bootService', service.id);
      }
      for (const finished of await listAll(store, tenantId, 'deployment', { group: entity.id })) {
        for (const task of await listAll(store, tenantId, 'deploymentTask', { group: finished.id })) {
          await store.delete(tenantId, 'deploymentTask', `${finished.id}#${task.machineId}`);
        }
        await store.delete(tenantId, 'deployment', finished.id);
      }
      // Its machines are gone, so its backup requests have all ended.
      for (const request of await listAll(store, tenantId, 'backupRequest', { group: entity.id })) {
        await store.delete(tenantId, 'backupRequest', request.id);
      }
      // Its own driver set goes with it (the record first: bytes without a record are merely unreachable).
      const driverSet = await store.get(tenantId, 'driverSet', entity.id);
      if (driverSet) {
        await store.delete(tenantId, 'driverSet', entity.id);
        await deps.archive.delete(tenantId, [driverSet.objectKey]);
      }
      await store.delete(tenantId, 'entity', entity.id);
    },
  }),
  route({
    method: 'get',
    path: '/v1/entities/:id/statistics',
    summary: 'Entity statistics: clients, clients with backup images and how many, masters available',
    tag,
    access: 'read',
    response: entityStatisticsSchema,
    handle: async ({ deps, tenantId, params }) => {
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
      const [machines, backups, masters] = await Promise.all([
        listAll(deps.store, tenantId, 'machine', { group: entity.id }),
        listAll(deps.store, tenantId, 'backupImage', { group: entity.id }),
        listAll(deps.store, tenantId, 'master', { group: entity.id }),
      ]);
      return entityStatistics(entity.id, machines, backups, masters);
    },
  }),
];

import { z } from 'zod';
import { driverSetSchema, driverSetUploadCreateSchema, fileUploadStartedSchema, postImagingReferences } from '@marrow/shared';
import { driverSetFor, startDriverSetUpload } from '../../catalogue/imaging-files';
import { getOrNotFound } from '../../catalogue/records';
import { describeDeployments, refuseIfUsed, unfinishedDeployments } from '../../catalogue/usage';
import { NotFoundError } from '../../errors/marrow-error';
import { listAll, type CatalogueStore } from '../../ports/catalogue-store';
import { route } from '../route';

const tag = 'Agents and driver sets';

export const driverSetRoutes = [
  route({
    method: 'get',
    path: '/v1/entities/:id/driver-set',
    summary: "The driver set CopyDrivers copies for an entity's machines: its own, or its nearest parent's (inherited: true)",
    tag,
    access: 'read',
    response: driverSetSchema.extend({ inherited: z.boolean() }),
    handle: async ({ deps, tenantId, params }) => {
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
      const set = await driverSetFor(deps, tenantId, entity.id);
      if (!set) throw new NotFoundError(`no driver set for entity "${entity.name}" nor its parents: upload one (PUT /v1/entities/${entity.id}/driver-set)`);
      return { ...set, inherited: set.entityId !== entity.id };
    },
  }),
  route({
    method: 'put',
    path: '/v1/entities/:id/driver-set',
    summary: "Start uploading an entity's driver set (zip or tar, .gz or .zst): PUT its bytes to the answered uploadUrl, then POST /v1/uploads/{id}/complete",
    tag,
    access: 'write',
    status: 201,
    body: driverSetUploadCreateSchema,
    response: fileUploadStartedSchema,
    handle: ({ deps, tenantId, params, body }) => startDriverSetUpload(deps, tenantId, params.id!, body),
  }),
  route({
    method: 'delete',
    path: '/v1/entities/:id/driver-set',
    summary: "Delete an entity's own driver set (refused while an unfinished deployment that runs CopyDrivers needs it)",
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', params.id!);
      const set = await deps.store.get(tenantId, 'driverSet', entity.id);
      if (!set) throw new NotFoundError(`entity "${entity.name}" has no driver set of its own`);
      const users = await entitiesUsing(deps.store, tenantId, entity.id);
      const scripts = new Map((await listAll(deps.store, tenantId, 'postImagingScript')).map((s) => [s.id, s]));
      const deployments = (await unfinishedDeployments(deps.store, tenantId)).filter(
        (d) => users.has(d.entityId) && postImagingReferences(d.postImagingScriptIds.flatMap((id) => scripts.get(id)?.lines ?? [])).drivers,
      );
      refuseIfUsed(`the driver set of entity "${entity.name}"`, describeDeployments(deployments).map((d) => `${d} runs CopyDrivers`));
      await deps.store.delete(tenantId, 'driverSet', entity.id, set.version);
      await deps.archive.delete(tenantId, [set.objectKey]);
    },
  }),
];

/** The entity and the entities below it that inherit its driver set (they have none of their own). */
async function entitiesUsing(store: CatalogueStore, tenantId: string, entityId: string): Promise<Set<string>> {
  const entities = await listAll(store, tenantId, 'entity');
  const users = new Set([entityId]);
  for (const id of users) {
    for (const child of entities.filter((e) => e.parentId === id)) {
      if (!(await store.get(tenantId, 'driverSet', child.id))) users.add(child.id);
    }
  }
  return users;
}

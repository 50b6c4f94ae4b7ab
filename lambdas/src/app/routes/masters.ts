import { z } from 'zod';
import { idSchema, masterCreateSchema, masterSchema, masterUpdateSchema } from '@marrow/shared';
import { ConflictError, ValidationError } from '../../errors/marrow-error';
import { addMasterVersion, createMaster, masterPrefix } from '../../catalogue/masters';
import { applyPatch, getOrNotFound, updateRecord } from '../../catalogue/records';
import { describeDeployments, refuseIfUsed, startupMenuDefaultsUsing, unfinishedDeploymentsOfMaster } from '../../catalogue/usage';
import { route } from '../route';
import { getRoute, listRoute } from './crud';
import { confirmQuery } from './common';

const tag = 'Masters';

export const masterRoutes = [
  listRoute({ path: '/v1/masters', kind: 'master', schema: masterSchema, summary: 'List masters (of one entity with entityId)', tag, byEntity: true }),
  route({
    method: 'post',
    path: '/v1/masters',
    summary: 'Create a master (from a ready backup image when sourceBackupImageId is given)',
    tag,
    access: 'write',
    status: 201,
    body: masterCreateSchema,
    response: masterSchema,
    handle: ({ deps, tenantId, body }) => createMaster(deps, tenantId, body),
  }),
  getRoute({ path: '/v1/masters', kind: 'master', schema: masterSchema, summary: 'Get a master', tag }),
  route({
    method: 'patch',
    path: '/v1/masters/:id',
    summary: 'Edit the description, add to or remove from the default startup menu, associate post-imaging scripts',
    tag,
    access: 'write',
    body: masterUpdateSchema,
    response: masterSchema,
    handle: async ({ deps, tenantId, params, body }) => {
      for (const scriptId of body.postImagingScriptIds ?? []) {
        await getOrNotFound(deps.store, tenantId, 'postImagingScript', scriptId, 'body.postImagingScriptIds');
      }
      return updateRecord(deps.store, tenantId, 'master', params.id!, deps.clock(), async (master) => {
        if (body.inDefaultStartupMenu === false && master.inDefaultStartupMenu) {
          const uses = await startupMenuDefaultsUsing(deps.store, tenantId, master.entityId, master.id);
          if (uses.length) {
            throw new ConflictError(`master ${master.label} cannot leave the default startup menu: ${uses.join('; ')}; choose another default first`);
          }
        }
        return applyPatch(master, body);
      });
    },
  }),
  route({
    method: 'post',
    path: '/v1/masters/:id/versions',
    summary: 'Publish a ready backup image as the next version of a master (same label, menu entry and scripts); refused while an unfinished deployment uses it',
    tag,
    access: 'write',
    status: 201,
    body: z.strictObject({ backupImageId: idSchema('backupImage') }),
    response: masterSchema,
    handle: ({ deps, tenantId, params, body }) => addMasterVersion(deps, tenantId, params.id!, body.backupImageId),
  }),
  route({
    method: 'delete',
    path: '/v1/masters/:id',
    summary: 'Delete a master and its archived image (irreversible: repeat its label in ?confirm=LABEL)',
    tag,
    access: 'write',
    status: 204,
    query: confirmQuery,
    handle: async ({ deps, tenantId, params, query }) => {
      const master = await getOrNotFound(deps.store, tenantId, 'master', params.id!);
      if (query.confirm !== master.label) {
        throw new ValidationError(
          `query.confirm: deleting master ${master.label} is irreversible; repeat its label to confirm (?confirm=${master.label})`,
        );
      }
      const deployments = await unfinishedDeploymentsOfMaster(deps.store, tenantId, master);
      refuseIfUsed(`master ${master.label}`, [
        ...(master.inDefaultStartupMenu ? ['it is in the default startup menu; remove it from the menu first'] : []),
        ...(await startupMenuDefaultsUsing(deps.store, tenantId, master.entityId, master.id)),
        ...describeDeployments(deployments),
      ]);
      await deps.store.delete(tenantId, 'master', master.id, master.version);
      // The record goes first: an interruption leaves unreachable objects (collectable), never a master without its image.
      const keys: string[] = [];
      for await (const object of deps.archive.list(tenantId, masterPrefix(master.id))) keys.push(object.key);
      await deps.archive.delete(tenantId, keys);
    },
  }),
];

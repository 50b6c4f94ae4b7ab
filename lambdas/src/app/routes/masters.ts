import { idSchema, masterCreateSchema, masterSchema, masterUpdateSchema, type Master } from '@marrow/shared';
import { ConflictError, ValidationError } from '../../errors/marrow-error';
import type { CatalogueStore } from '../../ports/catalogue-store';
import { createMaster, masterPrefix } from '../../catalogue/masters';
import { applyPatch, getOrNotFound, updateRecord } from '../../catalogue/records';
import { describeDeployments, refuseIfUsed, unfinishedDeployments } from '../../catalogue/usage';
import { route } from '../route';
import { confirmQuery, listQueryWith, pageOf } from './common';

const tag = 'Masters';

async function menuDefaultsUsing(store: CatalogueStore, tenantId: string, master: Master): Promise<string[]> {
  const menu = await store.get(tenantId, 'startupMenu', master.entityId);
  const uses: string[] = [];
  if (menu?.classic.defaultItemId === master.id) uses.push('it is the default selection of the classic startup menu');
  if (menu?.wol.defaultItemId === master.id) uses.push('it is the default selection of the WOL startup menu');
  return uses;
}

export const masterRoutes = [
  route({
    method: 'get',
    path: '/v1/masters',
    summary: 'List masters (of one entity with entityId)',
    tag,
    access: 'read',
    query: listQueryWith({ entityId: idSchema('entity').optional() }),
    response: pageOf(masterSchema),
    handle: ({ deps, tenantId, query }) =>
      deps.store.list(tenantId, 'master', {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.entityId ? { group: query.entityId } : {}),
      }),
  }),
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
  route({
    method: 'get',
    path: '/v1/masters/:id',
    summary: 'Get a master',
    tag,
    access: 'read',
    response: masterSchema,
    handle: ({ deps, tenantId, params }) => getOrNotFound(deps.store, tenantId, 'master', params.id!),
  }),
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
          const uses = await menuDefaultsUsing(deps.store, tenantId, master);
          if (uses.length) {
            throw new ConflictError(`master ${master.label} cannot leave the default startup menu: ${uses.join('; ')}; choose another default first`);
          }
        }
        return applyPatch(master, body);
      });
    },
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
      const deployments = (await unfinishedDeployments(deps.store, tenantId, master.entityId)).filter((d) => d.masterId === master.id);
      refuseIfUsed(`master ${master.label}`, [
        ...(master.inDefaultStartupMenu ? ['it is in the default startup menu; remove it from the menu first'] : []),
        ...(await menuDefaultsUsing(deps.store, tenantId, master)),
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

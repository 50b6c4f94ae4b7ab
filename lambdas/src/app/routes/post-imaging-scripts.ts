import {
  postImagingScriptCreateSchema,
  postImagingScriptSchema,
  postImagingScriptUpdateSchema,
  type PostImagingScript,
} from '@marrow/shared';
import { listAll } from '../../ports/catalogue-store';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { describeDeployments, refuseIfUsed, unfinishedDeployments } from '../../catalogue/usage';
import { route } from '../route';
import { getRoute, listRoute } from './crud';

const tag = 'Post-imaging scripts';

export const postImagingScriptRoutes = [
  listRoute({ path: '/v1/post-imaging-scripts', kind: 'postImagingScript', schema: postImagingScriptSchema, summary: 'List post-imaging scripts', tag, byEntity: false }),
  route({
    method: 'post',
    path: '/v1/post-imaging-scripts',
    summary: 'Create a post-imaging script (each line is checked; errors name the line)',
    tag,
    access: 'write',
    status: 201,
    body: postImagingScriptCreateSchema,
    response: postImagingScriptSchema,
    handle: async ({ deps, tenantId, body }) => {
      const script: PostImagingScript = { ...newMeta(tenantId, deps.clock()), id: deps.newId('postImagingScript'), ...body };
      await deps.store.create(tenantId, 'postImagingScript', script.id, script);
      return script;
    },
  }),
  getRoute({ path: '/v1/post-imaging-scripts', kind: 'postImagingScript', schema: postImagingScriptSchema, summary: 'Get a post-imaging script', tag }),
  route({
    method: 'patch',
    path: '/v1/post-imaging-scripts/:id',
    summary: 'Edit a post-imaging script',
    tag,
    access: 'write',
    body: postImagingScriptUpdateSchema,
    response: postImagingScriptSchema,
    handle: ({ deps, tenantId, params, body }) =>
      updateRecord(deps.store, tenantId, 'postImagingScript', params.id!, deps.clock(), (s) => applyPatch(s, body)),
  }),
  route({
    method: 'delete',
    path: '/v1/post-imaging-scripts/:id',
    summary: 'Delete a post-imaging script (refused while a master or an unfinished deployment uses it)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const script = await getOrNotFound(deps.store, tenantId, 'postImagingScript', params.id!);
      const masters = (await listAll(deps.store, tenantId, 'master')).filter((m) => m.postImagingScriptIds.includes(script.id));
      const deployments = (await unfinishedDeployments(deps.store, tenantId)).filter((d) =>
        d.postImagingScriptIds.includes(script.id),
      );
      refuseIfUsed(`post-imaging script "${script.name}"`, [
        ...masters.map((m) => `associated with master ${m.label}`),
        ...describeDeployments(deployments),
      ]);
      await deps.store.delete(tenantId, 'postImagingScript', script.id, script.version);
    },
  }),
];

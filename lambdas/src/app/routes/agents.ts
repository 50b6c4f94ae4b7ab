import { z } from 'zod';
import { agentSchema, agentUploadCreateSchema, DEFAULT_AGENT_NAME, driverSetSchema, fileUploadStartedSchema } from '@marrow/shared';
import { completeUpload, startAgentUpload } from '../../catalogue/imaging-files';
import { getOrNotFound } from '../../catalogue/records';
import { scriptLinesUsing } from '../../catalogue/script-usage';
import { releaseName } from '../../catalogue/unique-names';
import { refuseIfUsed } from '../../catalogue/usage';
import { route } from '../route';
import { getRoute, listRoute } from './crud';

const tag = 'Agents and driver sets';

export const agentRoutes = [
  listRoute({ path: '/v1/agents', kind: 'agent', schema: agentSchema, summary: 'List agent installers (uploads not completed are not agents yet)', tag, byEntity: false }),
  route({
    method: 'post',
    path: '/v1/agents',
    summary:
      'Start uploading an agent installer: PUT its bytes to the answered uploadUrl, then POST /v1/uploads/{id}/complete (an existing agent of that name is replaced then)',
    tag,
    access: 'write',
    status: 201,
    body: agentUploadCreateSchema,
    response: fileUploadStartedSchema,
    handle: ({ deps, tenantId, body }) => startAgentUpload(deps, tenantId, body),
  }),
  getRoute({ path: '/v1/agents', kind: 'agent', schema: agentSchema, summary: 'Get an agent installer', tag }),
  route({
    method: 'delete',
    path: '/v1/agents/:id',
    summary: 'Delete an agent installer (refused while a post-imaging script copies it with CopyAgent)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const agent = await getOrNotFound(deps.store, tenantId, 'agent', params.id!);
      refuseIfUsed(`agent "${agent.name}"`, await scriptLinesUsing(deps.store, tenantId, 'CopyAgent', (name) => (name ?? DEFAULT_AGENT_NAME) === agent.name));
      await deps.store.delete(tenantId, 'agent', agent.id, agent.version);
      await releaseName(deps.store, tenantId, 'agent', agent.name, agent.id);
      await deps.archive.delete(tenantId, [agent.objectKey]);
    },
  }),
  route({
    method: 'post',
    path: '/v1/uploads/:id/complete',
    summary: 'Complete an upload of an agent or a driver set: its size and SHA-256 are checked, then it is used',
    tag,
    access: 'write',
    response: z.union([agentSchema, driverSetSchema]),
    handle: ({ deps, tenantId, params }) => completeUpload(deps, tenantId, params.id!),
  }),
];

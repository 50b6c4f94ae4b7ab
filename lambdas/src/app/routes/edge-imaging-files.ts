import { edgeAnswerFileSchema, edgeFileDownloadSchema, postImagingReferences, type EdgeFileDownload } from '@marrow/shared';
import type { AppDeps } from '../deps';
import type { EdgePrincipal } from '../../catalogue/enrolment';
import { UPLOAD_URL_SECONDS } from '../../catalogue/edge-images';
import { agentByName, driverSetFor } from '../../catalogue/imaging-files';
import { getOrNotFound } from '../../catalogue/records';
import { servedEntities } from '../../catalogue/snapshot';
import { findByName } from '../../catalogue/unique-names';
import { unfinishedDeployments } from '../../catalogue/usage';
import { ForbiddenError, NotFoundError } from '../../errors/marrow-error';
import { listAll } from '../../ports/catalogue-store';
import { route } from '../route';

const tag = 'Imaging (edge)';

/**
 * What the post-imaging library fetches through its imaging server: answer files (content),
 * agents and driver sets (short-lived download URLs; the edge streams the bytes on to the
 * machine and holds no AWS credentials). Scoped to the edge's tenant and entities.
 */
export const edgeImagingFileRoutes = [
  route({
    method: 'get',
    path: '/v1/edge/answer-files/:name',
    summary: 'An answer file, by name, for CopySysprep NAME of a deployment this imaging server runs',
    tag,
    access: 'edge',
    response: edgeAnswerFileSchema,
    handle: async ({ deps, edge, params }) => {
      const name = params.name!;
      const file = await findByName(deps.store, edge.tenantId, 'answerFile', name);
      if (!file) throw new NotFoundError(`no answer file named "${name}" in this tenant`);
      // It may hold domain-join credentials: only for a deployment of this imaging server that uses it.
      const lines = await scriptLinesOfServedDeployments(deps, edge);
      if (!postImagingReferences(lines).answerFiles.includes(name)) {
        throw new ForbiddenError(`answer file "${name}" is not used by any unfinished deployment of this imaging server`);
      }
      return { name: file.name, content: file.content };
    },
  }),
  route({
    method: 'get',
    path: '/v1/edge/agents/:name',
    summary: 'Where to download an agent installer, by name, for CopyAgent [NAME]',
    tag,
    access: 'edge',
    response: edgeFileDownloadSchema,
    handle: async ({ deps, edge, params }) => {
      const agent = await agentByName(deps, edge.tenantId, params.name!);
      if (!agent) throw new NotFoundError(`no agent named "${params.name}" in this tenant`);
      return download(deps, edge.tenantId, agent.name, agent);
    },
  }),
  route({
    method: 'get',
    path: '/v1/edge/machines/:machineId/driver-set',
    summary: "Where to download the driver set of a machine's entity (or of its nearest parent), for CopyDrivers",
    tag,
    access: 'edge',
    response: edgeFileDownloadSchema,
    handle: async ({ deps, edge, params }) => {
      const machine = await getOrNotFound(deps.store, edge.tenantId, 'machine', params.machineId!);
      const served = servedEntities(await listAll(deps.store, edge.tenantId, 'entity'), edge.entityId);
      const entity = served.find((e) => e.id === machine.entityId);
      if (!entity) throw new ForbiddenError(`machine ${machine.id} is not served by this imaging server`);
      const set = await driverSetFor(deps, edge.tenantId, entity.id);
      if (!set) throw new NotFoundError(`entity "${entity.name}" has no driver set (nor have its parents): upload one in the portal`);
      return download(deps, edge.tenantId, entity.name, set);
    },
  }),
];

async function download(
  deps: AppDeps,
  tenantId: string,
  name: string,
  file: { fileName: string; sizeBytes: number; sha256: string; objectKey: string },
): Promise<EdgeFileDownload> {
  const expiresAt = new Date(deps.clock().getTime() + UPLOAD_URL_SECONDS * 1000).toISOString();
  const url = await deps.archive.presignGet(tenantId, file.objectKey, UPLOAD_URL_SECONDS);
  return { name, fileName: file.fileName, sizeBytes: file.sizeBytes, sha256: file.sha256, url, expiresAt };
}

/** The post-imaging lines of every unfinished deployment on an entity this imaging server serves. */
async function scriptLinesOfServedDeployments(deps: AppDeps, edge: EdgePrincipal): Promise<string[]> {
  const served = new Set(servedEntities(await listAll(deps.store, edge.tenantId, 'entity'), edge.entityId).map((e) => e.id));
  const lines: string[] = [];
  for (const deployment of (await unfinishedDeployments(deps.store, edge.tenantId)).filter((d) => served.has(d.entityId))) {
    for (const scriptId of deployment.postImagingScriptIds) lines.push(...((await deps.store.get(edge.tenantId, 'postImagingScript', scriptId))?.lines ?? []));
  }
  return lines;
}

import { edgeAnswerFileSchema, edgeFileDownloadSchema, postImagingReferences, type EdgeFileDownload, type Entity } from '@marrow/shared';
import type { AppDeps } from '../deps';
import type { EdgePrincipal } from '../../catalogue/enrolment';
import { servedMachine, UPLOAD_URL_SECONDS } from '../../catalogue/edge-images';
import { agentByName, driverSetFor } from '../../catalogue/imaging-files';
import { listServedEntities } from '../../catalogue/snapshot';
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
    summary: 'An answer file, by name, for CopySysprep NAME of a deployment this imaging server runs, or of a master its boot menus offer',
    tag,
    access: 'edge',
    response: edgeAnswerFileSchema,
    handle: async ({ deps, edge, params }) => {
      const name = params.name!;
      const file = await findByName(deps.store, edge.tenantId, 'answerFile', name);
      if (!file) throw new NotFoundError(`no answer file named "${name}" in this tenant`);
      // It may hold domain-join credentials: only for a deployment of this imaging server that
      // uses it, or for a master that its boot menus offer (its own scripts run after a deploy chosen there).
      const served = await listServedEntities(deps.store, edge.tenantId, edge.entityId);
      const lines = [...(await scriptLinesOfServedDeployments(deps, edge, served)), ...(await scriptLinesOfOfferedMasters(deps, edge, served))];
      if (!postImagingReferences(lines).answerFiles.includes(name)) {
        throw new ForbiddenError(`answer file "${name}" is not used by any unfinished deployment of this imaging server, nor by a master its boot menus offer`);
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
      const { entity } = await servedMachine(deps, edge, params.machineId!);
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
async function scriptLinesOfServedDeployments(deps: AppDeps, edge: EdgePrincipal, served: readonly Entity[]): Promise<string[]> {
  const ids = new Set(served.map((e) => e.id));
  const lines: string[] = [];
  for (const deployment of (await unfinishedDeployments(deps.store, edge.tenantId)).filter((d) => ids.has(d.entityId))) {
    lines.push(...(await scriptLinesOf(deps, edge.tenantId, deployment.postImagingScriptIds)));
  }
  return lines;
}

/**
 * The post-imaging lines of the masters this imaging server's boot menus offer: on an entity
 * it serves whose "deploy a master" boot service is enabled, a master in the default startup
 * menu that has an image (what the edge's menu lists: see renderBootScript).
 */
async function scriptLinesOfOfferedMasters(deps: AppDeps, edge: EdgePrincipal, served: readonly Entity[]): Promise<string[]> {
  const lines: string[] = [];
  for (const entity of served) {
    const services = await listAll(deps.store, edge.tenantId, 'bootService', { group: entity.id });
    if (!services.some((s) => s.kind === 'deploy-master' && s.enabled)) continue;
    const masters = await listAll(deps.store, edge.tenantId, 'master', { group: entity.id });
    for (const master of masters.filter((m) => m.inDefaultStartupMenu && m.versions.length > 0)) {
      lines.push(...(await scriptLinesOf(deps, edge.tenantId, master.postImagingScriptIds)));
    }
  }
  return lines;
}

async function scriptLinesOf(deps: AppDeps, tenantId: string, scriptIds: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const scriptId of scriptIds) lines.push(...((await deps.store.get(tenantId, 'postImagingScript', scriptId))?.lines ?? []));
  return lines;
}

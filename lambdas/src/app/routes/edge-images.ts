import { z } from 'zod';
import { backupImageSchema, idSchema, manifestSchema, masterSchema, textSchema } from '@marrow/shared';
import {
  beginBackup,
  chunkDownloadUrls,
  chunkUploadUrls,
  completeBackup,
  deltaDownloadUrls,
  deltaUploadUrls,
  latestBackup,
  promoteBackup,
  readManifest,
} from '../../catalogue/edge-images';
import { listServedEntities } from '../../catalogue/snapshot';
import { getOrNotFound } from '../../catalogue/records';
import { NotFoundError } from '../../errors/marrow-error';
import { route } from '../route';

const tag = 'Imaging (edge)';
const hashes = z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex')).min(1).max(1000);
const urls = z.object({ items: z.array(z.object({ h: z.string(), url: z.string() })) });

/** The edge posts chunk or delta hashes; the answer is what `urlsFor` gives: short-lived archive URLs, one per hash. */
function hashUrlsRoute(path: string, summary: string, urlsFor: typeof chunkUploadUrls) {
  return route({
    method: 'post',
    path,
    summary,
    tag,
    access: 'edge',
    body: z.strictObject({ hashes }),
    response: urls,
    handle: async ({ deps, edge, body }) => ({ items: await urlsFor(deps, edge, body.hashes) }),
  });
}

export const edgeImageRoutes = [
  hashUrlsRoute('/v1/edge/chunks/upload-urls', 'Which of these chunks the archive lacks, each with a short-lived upload URL', chunkUploadUrls),
  hashUrlsRoute('/v1/edge/chunks/download-urls', 'Short-lived download URLs for chunks missing from the edge cache', chunkDownloadUrls),
  hashUrlsRoute('/v1/edge/deltas/upload-urls', 'Which of these chunk deltas the archive lacks, each with a short-lived upload URL', deltaUploadUrls),
  hashUrlsRoute(
    '/v1/edge/deltas/download-urls',
    'Short-lived download URLs for chunk deltas (a missing chunk rebuilt from chunks the edge holds)',
    deltaDownloadUrls,
  ),
  route({
    method: 'get',
    path: '/v1/edge/machines/:machineId/latest-backup',
    summary: "A served machine's latest ready backup image and its manifest: the parent of its next capture",
    tag,
    access: 'edge',
    response: z.object({ backupImageId: idSchema('backupImage'), manifestKey: z.string(), manifest: manifestSchema }),
    handle: ({ deps, edge, params }) => latestBackup(deps, edge, params.machineId!),
  }),
  route({
    method: 'post',
    path: '/v1/edge/backup-images',
    summary: 'Start registering a capture: a backup image being captured, and where to upload its manifest',
    tag,
    access: 'edge',
    status: 201,
    body: z.strictObject({ machineId: idSchema('machine'), description: textSchema(500).default('') }),
    response: z.object({ backupImage: backupImageSchema, manifestUploadUrl: z.string() }),
    handle: ({ deps, edge, body }) => beginBackup(deps, edge, body.machineId, body.description),
  }),
  route({
    method: 'post',
    path: '/v1/edge/backup-images/:id/complete',
    summary: 'Finish a capture once its chunks and manifest are uploaded: the backup image becomes ready',
    tag,
    access: 'edge',
    response: backupImageSchema,
    handle: ({ deps, edge, params }) => completeBackup(deps, edge, params.id!),
  }),
  route({
    method: 'post',
    path: '/v1/edge/backup-images/:id/promote',
    summary: 'Promote a ready backup image of a served machine to a master (marrow-edge import-master)',
    tag,
    access: 'edge',
    status: 201,
    body: z
      .strictObject({
        description: textSchema(500).default(''),
        inDefaultStartupMenu: z.boolean().default(false),
      })
      .prefault({}),
    response: masterSchema,
    handle: ({ deps, edge, params, body }) => promoteBackup(deps, edge, params.id!, body),
  }),
  route({
    method: 'get',
    path: '/v1/edge/masters/:id/manifest',
    summary: "The manifest of a master's latest version, for deploying or syncing it",
    tag,
    access: 'edge',
    response: manifestSchema,
    handle: async ({ deps, edge, params }) => {
      const master = await getOrNotFound(deps.store, edge.tenantId, 'master', params.id!);
      const served = await listServedEntities(deps.store, edge.tenantId, edge.entityId);
      const key = master.versions.at(-1)?.manifestKey;
      if (!served.some((e) => e.id === master.entityId) || !key) throw new NotFoundError(`no image of master ${params.id} for this imaging server`);
      return readManifest(deps, edge.tenantId, key);
    },
  }),
];

import { z } from 'zod';
import {
  catalogueSnapshotSchema,
  commandSchema,
  hostnameSchema,
  idSchema,
  machineInventorySchema,
  machineSchema,
  macSchema,
  mqttIdentitySchema,
} from '@marrow/shared';
import { registerFromEdge } from '../../catalogue/edge-registration';
import { listAll } from '../../ports/catalogue-store';
import { enrolImagingServer, issueEnrolmentCode } from '../../catalogue/enrolment';
import { buildSnapshot } from '../../catalogue/snapshot';
import { getOrNotFound } from '../../catalogue/records';
import { route } from '../route';

const tag = 'Imaging servers';

export const enrolmentCodeSchema = z.object({ enrolmentCode: z.string(), enrolmentCodeExpiresAt: z.string() });

export const edgeRoutes = [
  route({
    method: 'post',
    path: '/v1/imaging-servers/:id/enrolment-code',
    summary: 'Issue a new one-time enrolment code for an imaging server (the previous unused one stops working)',
    tag,
    access: 'write',
    status: 201,
    response: enrolmentCodeSchema,
    handle: async ({ deps, tenantId, params }) => {
      const server = await getOrNotFound(deps.store, tenantId, 'imagingServer', params.id!);
      return issueEnrolmentCode(deps.store, tenantId, server.id, deps.clock());
    },
  }),
  route({
    method: 'post',
    path: '/v1/edge/enroll',
    summary: "Exchange a one-time enrolment code for the imaging server's own credential (called by `marrow-edge enroll`)",
    tag,
    access: 'public',
    body: z.strictObject({ code: z.string().trim().min(1, 'must not be empty').max(64) }),
    response: z.object({
      credential: z.string(),
      tenantId: idSchema('tenant'),
      imagingServerId: idSchema('imagingServer'),
      entityId: idSchema('entity'),
      name: z.string(),
      mqtt: mqttIdentitySchema.optional(),
    }),
    handle: async ({ deps, body }) => {
      const enrolled = await enrolImagingServer(deps.store, body.code, deps.clock());
      const mqtt = await deps.mqttIdentities?.issue(enrolled.tenantId, enrolled.imagingServerId, enrolled.credential);
      return { ...enrolled, ...(mqtt ? { mqtt } : {}) };
    },
  }),
  route({
    method: 'post',
    path: '/v1/edge/machines',
    summary: 'Register a machine that chose "Register this machine" (or refresh its inventory if it is known)',
    tag,
    access: 'edge',
    body: z.strictObject({
      mac: macSchema,
      hostname: hostnameSchema.optional(),
      uuid: z.guid().nullable().optional(),
      inventory: machineInventorySchema.default({}),
    }),
    response: z.object({ machine: machineSchema, created: z.boolean() }),
    handle: ({ deps, edge, body }) => registerFromEdge(deps, edge, body),
  }),
  route({
    method: 'get',
    path: '/v1/edge/commands',
    summary: 'Commands the calling imaging server has not acknowledged yet (pulled when it reconnects)',
    tag,
    access: 'edge',
    response: z.object({ items: z.array(commandSchema) }),
    handle: async ({ deps, edge }) => {
      const records = await listAll(deps.store, edge.tenantId, 'edgeCommand', { group: edge.imagingServerId });
      return { items: records.filter((r) => r.state === 'pending').map((r) => r.command) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/edge/snapshot',
    summary: "The catalogue snapshot the calling imaging server serves PXE from (its entities' boot services, menus, masters, machines, armed tasks)",
    tag,
    access: 'edge',
    response: catalogueSnapshotSchema,
    handle: async ({ deps, edge, header }) => {
      const snapshot = await buildSnapshot(deps, edge.tenantId, edge.imagingServerId);
      const etag = `"${snapshot.version}"`;
      // The edge polls with If-None-Match: an unchanged catalogue costs a 304, not a download.
      if (header('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag } });
      return Response.json(snapshot, { headers: { etag, 'cache-control': 'no-store' } });
    },
  }),
];

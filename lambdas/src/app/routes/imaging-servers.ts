import { imagingServerCreateSchema, imagingServerSchema, imagingServerUpdateSchema, type ImagingServer } from '@marrow/shared';
import { ConflictError } from '../../errors/marrow-error';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { issueEnrolmentCode, forgetImagingServerSecrets } from '../../catalogue/enrolment';
import { route } from '../route';
import { enrolmentCodeSchema } from './edge';
import { getRoute, listRoute } from './crud';

const tag = 'Imaging servers';

export const imagingServerRoutes = [
  listRoute({ path: '/v1/imaging-servers', kind: 'imagingServer', schema: imagingServerSchema, summary: 'List imaging servers (edge appliances)', tag, byEntity: true }),
  route({
    method: 'post',
    path: '/v1/imaging-servers',
    summary: 'Create the imaging server of an entity (one per entity); the answer carries its one-time enrolment code',
    tag,
    access: 'write',
    status: 201,
    body: imagingServerCreateSchema,
    response: imagingServerSchema.extend(enrolmentCodeSchema.shape),
    handle: async ({ deps, tenantId, body }) => {
      const now = deps.clock();
      const entity = await getOrNotFound(deps.store, tenantId, 'entity', body.entityId, 'body.entityId');
      if (entity.imagingServerId) {
        throw new ConflictError(`entity "${entity.name}" is already served by imaging server ${entity.imagingServerId}`);
      }
      const server: ImagingServer = { ...newMeta(tenantId, now), id: deps.newId('imagingServer'), ...body, revokedAt: null };
      await deps.store.create(tenantId, 'imagingServer', server.id, server);
      // The entity's pointer is the claim: whoever sets it first wins; the loser removes its server.
      try {
        await updateRecord(deps.store, tenantId, 'entity', entity.id, now, (current) => {
          if (current.imagingServerId && current.imagingServerId !== server.id) {
            throw new ConflictError(`entity "${current.name}" is already served by imaging server ${current.imagingServerId}`);
          }
          return { ...current, imagingServerId: server.id };
        });
      } catch (error) {
        await deps.store.delete(tenantId, 'imagingServer', server.id);
        throw error;
      }
      return { ...server, ...(await issueEnrolmentCode(deps.store, tenantId, server.id, now)) };
    },
  }),
  getRoute({ path: '/v1/imaging-servers', kind: 'imagingServer', schema: imagingServerSchema, summary: 'Get an imaging server', tag }),
  route({
    method: 'patch',
    path: '/v1/imaging-servers/:id',
    summary: 'Rename an imaging server, or revoke it (it then loses all access)',
    tag,
    access: 'write',
    body: imagingServerUpdateSchema,
    response: imagingServerSchema,
    handle: async ({ deps, tenantId, params, body }) => {
      const now = deps.clock();
      const updated = await updateRecord(deps.store, tenantId, 'imagingServer', params.id!, now, (server) => {
        const { revoked, ...rest } = body;
        const next = applyPatch(server, rest);
        if (revoked === true && !server.revokedAt) next.revokedAt = now.toISOString();
        if (revoked === false) next.revokedAt = null;
        return next;
      });
      // Revoking cuts MQTT too: the broker drops the connection and refuses the next one.
      if (updated.revokedAt) await deps.mqttIdentities?.revoke(tenantId, updated.id);
      return updated;
    },
  }),
  route({
    method: 'delete',
    path: '/v1/imaging-servers/:id',
    summary: 'Remove an imaging server; its entity is then served by none',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const server = await getOrNotFound(deps.store, tenantId, 'imagingServer', params.id!);
      const entity = await deps.store.get(tenantId, 'entity', server.entityId);
      if (entity?.imagingServerId === server.id) {
        await updateRecord(deps.store, tenantId, 'entity', entity.id, deps.clock(), (e) => ({
          ...e,
          imagingServerId: e.imagingServerId === server.id ? null : e.imagingServerId,
        }));
      }
      await deps.mqttIdentities?.revoke(tenantId, server.id);
      await forgetImagingServerSecrets(deps.store, tenantId, server.id);
      await deps.store.delete(tenantId, 'imagingServer', server.id);
    },
  }),
];

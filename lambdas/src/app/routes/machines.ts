import { machineCreateSchema, machineSchema, machineUpdateSchema, type Machine } from '@marrow/shared';
import { ConflictError } from '../../errors/marrow-error';
import { listAll } from '../../ports/catalogue-store';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { describeDeployments, refuseIfUsed, unfinishedDeployments } from '../../catalogue/usage';
import { route } from '../route';
import { getRoute, listRoute } from './crud';

const tag = 'Machines';

export const machineRoutes = [
  listRoute({ path: '/v1/machines', kind: 'machine', schema: machineSchema, summary: 'List registered machines (of one entity with entityId)', tag, byEntity: true }),
  route({
    method: 'post',
    path: '/v1/machines',
    summary: 'Register a machine: its MAC address and hostname in an entity',
    tag,
    access: 'write',
    status: 201,
    body: machineCreateSchema,
    response: machineSchema,
    handle: async ({ deps, tenantId, body }) => {
      await getOrNotFound(deps.store, tenantId, 'entity', body.entityId, 'body.entityId');
      const machine: Machine = { ...newMeta(tenantId, deps.clock()), id: deps.newId('machine'), ...body, lastSeenAt: null };
      // A MAC address names one machine per tenant: claim it before the record exists.
      const owner = await deps.store.claimUnique(tenantId, 'mac', machine.mac, machine.id);
      if (owner) {
        const existing = await deps.store.get(tenantId, 'machine', owner);
        if (existing) {
          throw new ConflictError(`MAC address ${machine.mac} is already registered as machine "${existing.hostname}" (${existing.id})`);
        }
        // A stale claim left by an interrupted registration: take it over.
        await deps.store.releaseUnique(tenantId, 'mac', machine.mac, owner);
        if (await deps.store.claimUnique(tenantId, 'mac', machine.mac, machine.id)) {
          throw new ConflictError(`MAC address ${machine.mac} is being registered concurrently; try again`);
        }
      }
      try {
        await deps.store.create(tenantId, 'machine', machine.id, machine);
      } catch (error) {
        await deps.store.releaseUnique(tenantId, 'mac', machine.mac, machine.id);
        throw error;
      }
      return machine;
    },
  }),
  getRoute({ path: '/v1/machines', kind: 'machine', schema: machineSchema, summary: 'Get a machine', tag }),
  route({
    method: 'patch',
    path: '/v1/machines/:id',
    summary: "Change a machine's hostname, entity or inventory",
    tag,
    access: 'write',
    body: machineUpdateSchema,
    response: machineSchema,
    handle: async ({ deps, tenantId, params, body }) => {
      if (body.entityId) await getOrNotFound(deps.store, tenantId, 'entity', body.entityId, 'body.entityId');
      return updateRecord(deps.store, tenantId, 'machine', params.id!, deps.clock(), (m) => applyPatch(m, body));
    },
  }),
  route({
    method: 'delete',
    path: '/v1/machines/:id',
    summary: 'Remove a machine (refused while it has backup images or is in an unfinished deployment)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const machine = await getOrNotFound(deps.store, tenantId, 'machine', params.id!);
      const backups = (await listAll(deps.store, tenantId, 'backupImage', { group: machine.entityId })).filter(
        (b) => b.machineId === machine.id,
      );
      const deployments = (await unfinishedDeployments(deps.store, tenantId)).filter((d) => d.machineIds.includes(machine.id));
      refuseIfUsed(`machine "${machine.hostname}"`, [
        ...(backups.length ? [`it has ${backups.length} backup image(s); delete them first`] : []),
        ...describeDeployments(deployments),
      ]);
      await deps.store.delete(tenantId, 'machine', machine.id);
      await deps.store.releaseUnique(tenantId, 'mac', machine.mac, machine.id);
    },
  }),
];

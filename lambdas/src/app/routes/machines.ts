import { machineCreateSchema, machineSchema, machineUpdateSchema } from '@marrow/shared';
import { listAll } from '../../ports/catalogue-store';
import { applyPatch, getOrNotFound, updateRecord } from '../../catalogue/records';
import { createMachine } from '../../catalogue/machines';
import { describeDeployments, refuseIfUsed, unfinishedDeployments } from '../../catalogue/usage';
import { unfinishedBackupRequests } from '../../catalogue/backup-requests';
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
      return createMachine(deps, tenantId, body);
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
    summary: 'Remove a machine (refused while it has backup images, is in an unfinished deployment or has an unfinished backup request)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const machine = await getOrNotFound(deps.store, tenantId, 'machine', params.id!);
      const backups = (await listAll(deps.store, tenantId, 'backupImage', { group: machine.entityId })).filter(
        (b) => b.machineId === machine.id,
      );
      const deployments = (await unfinishedDeployments(deps.store, tenantId)).filter((d) => d.machineIds.includes(machine.id));
      const requests = (await unfinishedBackupRequests(deps.store, tenantId, machine.entityId)).filter((r) => r.machineId === machine.id);
      refuseIfUsed(`machine "${machine.hostname}"`, [
        ...(backups.length ? [`it has ${backups.length} backup image(s); delete them first`] : []),
        ...describeDeployments(deployments),
        ...requests.map((r) => `unfinished backup request ${r.id} (${r.state})`),
      ]);
      await deps.store.delete(tenantId, 'machine', machine.id);
      await deps.store.releaseUnique(tenantId, 'mac', machine.mac, machine.id);
    },
  }),
];

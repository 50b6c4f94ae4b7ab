import { backupRequestCreateSchema, backupRequestSchema, type BackupRequest } from '@marrow/shared';
import { moveBackupRequest, refuseIfMachineBusy } from '../../catalogue/backup-requests';
import { getOrNotFound, newMeta } from '../../catalogue/records';
import { sendToServingImagingServer } from '../../catalogue/edge-commands';
import { route } from '../route';
import { getRoute, listRoute } from './crud';

const tag = 'Backup requests';

export const backupRequestRoutes = [
  listRoute({ path: '/v1/backup-requests', kind: 'backupRequest', schema: backupRequestSchema, summary: 'List backup requests (of one entity with entityId)', tag, byEntity: true }),
  route({
    method: 'post',
    path: '/v1/backup-requests',
    summary: 'Back up a machine: its next network boot goes straight to the imaging environment and captures its disk as a backup image',
    tag,
    access: 'write',
    status: 201,
    body: backupRequestCreateSchema,
    response: backupRequestSchema,
    handle: async ({ deps, tenantId, body, principal }) => {
      const machine = await getOrNotFound(deps.store, tenantId, 'machine', body.machineId, 'body.machineId');
      await refuseIfMachineBusy(deps.store, tenantId, machine, 'backup');
      const request: BackupRequest = {
        ...newMeta(tenantId, deps.clock()),
        id: deps.newId('backupRequest'),
        entityId: machine.entityId,
        machineId: machine.id,
        description: body.description,
        wakeOnLan: body.wakeOnLan,
        state: 'pending',
        progress: null,
        error: null,
        backupImageId: null,
        reportedSeq: null,
        createdBy: principal.username,
      };
      await deps.store.create(tenantId, 'backupRequest', request.id, request);
      // The site syncs at once (its snapshot now arms the machine) and wakes it if asked.
      await sendToServingImagingServer(deps, tenantId, request.entityId, { type: 'arm-backup-request', backupRequestId: request.id });
      return request;
    },
  }),
  getRoute({ path: '/v1/backup-requests', kind: 'backupRequest', schema: backupRequestSchema, summary: 'Get a backup request', tag }),
  route({
    method: 'post',
    path: '/v1/backup-requests/:id/cancel',
    summary: 'Cancel a backup request that has not ended (its machine boots its usual menu again)',
    tag,
    access: 'write',
    response: backupRequestSchema,
    handle: async ({ deps, tenantId, params }) => {
      const request = await getOrNotFound(deps.store, tenantId, 'backupRequest', params.id!);
      if (request.state === 'cancelled') return request;
      // A request that ended meanwhile keeps its real outcome (409).
      const cancelled = await moveBackupRequest(deps.store, tenantId, request.id, deps.clock(), 'cancelled');
      await sendToServingImagingServer(deps, tenantId, request.entityId, { type: 'cancel-backup-request', backupRequestId: request.id });
      return cancelled;
    },
  }),
];

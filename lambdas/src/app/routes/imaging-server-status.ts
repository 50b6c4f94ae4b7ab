import { deriveImagingServerStatus, entityStatistics, imagingServerStatusViewSchema, type ImagingServerStatusView } from '@marrow/shared';
import { listAll } from '../../ports/catalogue-store';
import { getOrNotFound } from '../../catalogue/records';
import { route } from '../route';

/** The imaging-server status page of an entity: status with its reason, disk space, load and statistics. */
export const imagingServerStatusRoutes = [
  route({
    method: 'get',
    path: '/v1/entities/:id/imaging-server',
    summary: "Status of the entity's imaging server (Available, Offline, Connection error) with disk space, load and entity statistics",
    tag: 'Imaging servers',
    access: 'read',
    response: imagingServerStatusViewSchema,
    handle: async ({ deps, tenantId, params }): Promise<ImagingServerStatusView> => {
      const { store } = deps;
      const entity = await getOrNotFound(store, tenantId, 'entity', params.id!);
      const [server, health, machines, backups, masters] = await Promise.all([
        entity.imagingServerId ? store.get(tenantId, 'imagingServer', entity.imagingServerId) : undefined,
        entity.imagingServerId ? store.get(tenantId, 'imagingServerHealth', entity.imagingServerId) : undefined,
        listAll(store, tenantId, 'machine', { group: entity.id }),
        listAll(store, tenantId, 'backupImage', { group: entity.id }),
        listAll(store, tenantId, 'master', { group: entity.id }),
      ]);
      const report = health?.lastReport ?? null;
      const { status, reason } = deriveImagingServerStatus({
        server: server ?? null,
        lastReport: report,
        offlineSince: health?.offlineSince ?? null,
        now: deps.clock(),
      });
      const available = status === 'available';
      return {
        entityId: entity.id,
        imagingServerId: server?.id ?? null,
        imagingServerName: server?.name ?? null,
        status,
        reason,
        reportedAt: report?.sentAt ?? null,
        softwareVersion: report?.softwareVersion ?? null,
        // Figures from a stale report would mislead: the page shows them only when Available.
        partitions: available ? report!.partitions : [],
        load: available ? report!.load : null,
        services: report ? report.services : null,
        statistics: entityStatistics(entity.id, machines, backups, masters),
      };
    },
  }),
];

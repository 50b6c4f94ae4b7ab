import { z } from 'zod';
import {
  backupImageCreateSchema,
  backupImageSchema,
  backupImageUpdateSchema,
  idSchema,
  masterSchema,
  textSchema,
  type BackupImage,
} from '@marrow/shared';
import { listAll } from '../../ports/catalogue-store';
import { createMaster } from '../../catalogue/masters';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { route } from '../route';
import { listQueryWith, pageOf } from './common';

const tag = 'Backup images';

export const backupImageRoutes = [
  route({
    method: 'get',
    path: '/v1/backup-images',
    summary: 'List backup images (of one entity, or of one machine)',
    tag,
    access: 'read',
    query: listQueryWith({ entityId: idSchema('entity').optional(), machineId: idSchema('machine').optional() }),
    response: pageOf(backupImageSchema),
    handle: async ({ deps, tenantId, query }) => {
      if (query.machineId) {
        const machine = await getOrNotFound(deps.store, tenantId, 'machine', query.machineId, 'query.machineId');
        const items = (await listAll(deps.store, tenantId, 'backupImage', { group: machine.entityId })).filter(
          (b) => b.machineId === machine.id,
        );
        return { items };
      }
      return deps.store.list(tenantId, 'backupImage', {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.entityId ? { group: query.entityId } : {}),
      });
    },
  }),
  route({
    method: 'post',
    path: '/v1/backup-images',
    summary: "Register a backup image of a machine's disk",
    tag,
    access: 'write',
    status: 201,
    body: backupImageCreateSchema,
    response: backupImageSchema,
    handle: async ({ deps, tenantId, body }) => {
      const machine = await getOrNotFound(deps.store, tenantId, 'machine', body.machineId, 'body.machineId');
      const backup: BackupImage = {
        ...newMeta(tenantId, deps.clock()),
        id: deps.newId('backupImage'),
        entityId: machine.entityId,
        ...body,
      };
      await deps.store.create(tenantId, 'backupImage', backup.id, backup);
      return backup;
    },
  }),
  route({
    method: 'get',
    path: '/v1/backup-images/:id',
    summary: 'Get a backup image',
    tag,
    access: 'read',
    response: backupImageSchema,
    handle: ({ deps, tenantId, params }) => getOrNotFound(deps.store, tenantId, 'backupImage', params.id!),
  }),
  route({
    method: 'patch',
    path: '/v1/backup-images/:id',
    summary: 'Update a backup image (description; state and sizes as a capture completes)',
    tag,
    access: 'write',
    body: backupImageUpdateSchema,
    response: backupImageSchema,
    handle: ({ deps, tenantId, params, body }) =>
      updateRecord(deps.store, tenantId, 'backupImage', params.id!, deps.clock(), (b) => applyPatch(b, body)),
  }),
  route({
    method: 'delete',
    path: '/v1/backup-images/:id',
    summary: 'Delete a backup image and its manifest (masters promoted from it keep their own copy)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const backup = await getOrNotFound(deps.store, tenantId, 'backupImage', params.id!);
      await deps.store.delete(tenantId, 'backupImage', backup.id);
      if (backup.manifestKey) await deps.archive.delete(tenantId, [backup.manifestKey]);
    },
  }),
  route({
    method: 'post',
    path: '/v1/backup-images/:id/promote',
    summary: 'Promote a ready backup image to a master',
    tag,
    access: 'write',
    status: 201,
    body: z.strictObject({
      description: textSchema(500).default(''),
      inDefaultStartupMenu: z.boolean().default(false),
    }).prefault({}),
    response: masterSchema,
    handle: async ({ deps, tenantId, params, body }) => {
      const backup = await getOrNotFound(deps.store, tenantId, 'backupImage', params.id!);
      return createMaster(deps, tenantId, {
        entityId: backup.entityId,
        description: body.description,
        inDefaultStartupMenu: body.inDefaultStartupMenu,
        sourceBackupImageId: backup.id,
        postImagingScriptIds: [],
      });
    },
  }),
];

import { z } from 'zod';
import { deploymentTaskStates } from '../rules/deployment-task-state';
import { idSchema, recordMetaSchema, textSchema } from './common';
import { taskErrorSchema, taskProgressSchema } from './deployment';

/**
 * "Back up this machine", asked in the API: the machine's next PXE boot goes straight to the
 * imaging environment in backup mode, and the capture becomes a backup image. Its life is a
 * deployment task's (see rules/deployment-task-state.ts) without the post-scripts step:
 * pending → waiting-for-boot (its edge acknowledged arming it) → imaging → done (with
 * backupImageId) | failed | cancelled.
 */
export const backupRequestSchema = recordMetaSchema.extend({
  id: idSchema('backupRequest'),
  entityId: idSchema('entity'),
  machineId: idSchema('machine'),
  description: textSchema(500),
  wakeOnLan: z.boolean(),
  state: z.enum(deploymentTaskStates),
  progress: taskProgressSchema.nullable(),
  error: taskErrorSchema.nullable(),
  /** The backup image the capture became, once done. */
  backupImageId: idSchema('backupImage').nullable(),
  /** Sequence number of the last edge report applied (reports that arrive late are ignored). */
  reportedSeq: z.number().int().nonnegative().nullable().optional(),
  createdBy: z.string(),
});
export type BackupRequest = z.infer<typeof backupRequestSchema>;

export const backupRequestCreateSchema = z.strictObject({
  machineId: idSchema('machine'),
  description: textSchema(500).default(''),
  wakeOnLan: z.boolean().default(false),
});

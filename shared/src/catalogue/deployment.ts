import { z } from 'zod';
import { deploymentTaskStates } from '../rules/deployment-task-state';
import { idSchema, recordMetaSchema, textSchema, timestampSchema } from './common';

export const deploymentModes = ['unicast', 'multicast'] as const;

/** Deploy master M (with post-imaging scripts S) to machines [m…], now or at a time. */
export const deploymentSchema = recordMetaSchema.extend({
  id: idSchema('deployment'),
  entityId: idSchema('entity'),
  masterId: idSchema('master'),
  machineIds: z.array(idSchema('machine')),
  postImagingScriptIds: z.array(idSchema('postImagingScript')),
  description: textSchema(500),
  wakeOnLan: z.boolean(),
  mode: z.enum(deploymentModes),
  scheduledAt: timestampSchema.nullable(),
  state: z.enum(['scheduled', 'running', 'finished', 'cancelled']),
  createdBy: z.string(),
});
export type Deployment = z.infer<typeof deploymentSchema>;

export const deploymentCreateSchema = z.strictObject({
  masterId: idSchema('master'),
  machineIds: z
    .array(idSchema('machine'))
    .min(1, 'choose at least one machine')
    .max(500, 'at most 500 machines per deployment')
    .refine((ids) => new Set(ids).size === ids.length, 'lists a machine twice'),
  postImagingScriptIds: z.array(idSchema('postImagingScript')).max(20).default([]),
  description: textSchema(500).default(''),
  wakeOnLan: z.boolean().default(false),
  mode: z.enum(deploymentModes).default('unicast'),
  scheduledAt: timestampSchema.nullable().default(null),
});
export const deploymentUpdateSchema = z.strictObject({
  description: textSchema(500).optional(),
  scheduledAt: timestampSchema.nullable().optional(),
});

/** Steps of an imaging job; `capture` (reading partitions for a backup) since contract v1, added with backup requests. */
export const taskPhases = ['boot', 'partition-table', 'restore', 'capture', 'post-scripts', 'report'] as const;

export const taskProgressSchema = z.strictObject({
  phase: z.enum(taskPhases),
  bytesDone: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  rateBytesPerSecond: z.number().nonnegative(),
});
export type TaskProgress = z.infer<typeof taskProgressSchema>;

export const taskErrorSchema = z.strictObject({
  message: textSchema(1000).min(1),
  logTail: z.string().max(16_384).default(''),
});

/** One machine's part of a deployment. */
export const deploymentTaskSchema = recordMetaSchema.extend({
  deploymentId: idSchema('deployment'),
  machineId: idSchema('machine'),
  state: z.enum(deploymentTaskStates),
  progress: taskProgressSchema.nullable(),
  error: taskErrorSchema.nullable(),
  /** Sequence number of the last edge report applied (reports that arrive late are ignored). */
  reportedSeq: z.number().int().nonnegative().nullable().optional(),
});
export type DeploymentTask = z.infer<typeof deploymentTaskSchema>;

export const deploymentTaskUpdateSchema = z.strictObject({
  state: z.enum(deploymentTaskStates),
  progress: taskProgressSchema.nullable().optional(),
  error: taskErrorSchema.nullable().optional(),
});

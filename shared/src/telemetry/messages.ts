import { z } from 'zod';
import { idSchema, timestampSchema } from '../catalogue/common';
import { taskErrorSchema, taskProgressSchema } from '../catalogue/deployment';
import { deploymentTaskStates } from '../rules/deployment-task-state';
import { healthReportSchema } from './health-report';

/**
 * Messages between the cloud and the edges. Every message has an id (receivers apply each
 * id once) and the time it was sent. `v` is the contract version the sender speaks; each
 * message says below since which version it exists. Fields added later are optional, so a
 * newer cloud understands older edges and the other way round (unknown fields are ignored).
 */
export const CONTRACT_VERSION = 1;

const envelope = {
  v: z.number().int().min(1),
  id: z.string().min(8).max(100),
  sentAt: timestampSchema,
};

/** Since v1. Edge → cloud on `presence`: "online" when it connects, "offline" as its last will. */
export const presenceMessageSchema = z.object({
  ...envelope,
  type: z.literal('presence'),
  state: z.enum(['online', 'offline']),
  imagingServerId: idSchema('imagingServer'),
});

/** Since v1. Edge → cloud on `health`: the health report (see health-report.ts). */
export const healthMessageSchema = z.object({ ...envelope, type: z.literal('health'), report: healthReportSchema });

/**
 * Since v1. Edge → cloud on `events`: a deployment task moved or progressed. `seq` orders the
 * events of one task (the edge's outbox replays them in order after an outage).
 */
export const taskEventSchema = z.object({
  ...envelope,
  type: z.literal('task-progress'),
  deploymentId: idSchema('deployment'),
  machineId: idSchema('machine'),
  seq: z.number().int().nonnegative(),
  state: z.enum(deploymentTaskStates),
  progress: taskProgressSchema.nullable().optional(),
  error: taskErrorSchema.nullable().optional(),
});

/** Since v1. Edge → cloud on `events`: a capture finished and is registered as a backup image (filled in by the imaging pipeline). */
export const backupCapturedEventSchema = z.object({
  ...envelope,
  type: z.literal('backup-captured'),
  machineId: idSchema('machine'),
  manifestKey: z.string().max(1024),
  sizeBytes: z.number().int().nonnegative(),
  compressedSizeBytes: z.number().int().nonnegative(),
});

/**
 * Since v1 (added with backup requests). Edge → cloud on `events`: a backup request moved or
 * progressed — the sibling of `task-progress` for a backup asked in the API. `seq` orders the
 * events of one request; the last one (state "done") names the backup image the capture became.
 */
export const backupRequestEventSchema = z.object({
  ...envelope,
  type: z.literal('backup-request-progress'),
  backupRequestId: idSchema('backupRequest'),
  machineId: idSchema('machine'),
  seq: z.number().int().nonnegative(),
  state: z.enum(deploymentTaskStates),
  progress: taskProgressSchema.nullable().optional(),
  error: taskErrorSchema.nullable().optional(),
  backupImageId: idSchema('backupImage').optional(),
});

export const edgeEventSchema = z.discriminatedUnion('type', [taskEventSchema, backupCapturedEventSchema, backupRequestEventSchema]);
export type EdgeEvent = z.infer<typeof edgeEventSchema>;

/** Since v1. Cloud → edge on `commands`. */
export const commandSchema = z.discriminatedUnion('type', [
  /** The catalogue changed: pull a new snapshot (cheap: 304 when nothing changed for this edge). */
  z.object({ ...envelope, type: z.literal('catalogue-changed') }),
  /** A deployment was created or rescheduled: sync, arm its tasks and wake its machines if asked. */
  z.object({ ...envelope, type: z.literal('arm-deployment'), deploymentId: idSchema('deployment') }),
  /** Stop a deployment's tasks on this site. */
  z.object({ ...envelope, type: z.literal('cancel-deployment'), deploymentId: idSchema('deployment') }),
  /** Send Wake-on-LAN to these machines. */
  z.object({ ...envelope, type: z.literal('wake-machines'), macs: z.array(z.string()).min(1).max(500) }),
  /**
   * Since v1 (added with backup requests). A backup of a machine was asked: sync (the snapshot
   * arms it) and wake the machine if asked. An edge that does not know it ignores it, and arms
   * the backup at its next snapshot poll.
   */
  z.object({ ...envelope, type: z.literal('arm-backup-request'), backupRequestId: idSchema('backupRequest') }),
  /** Since v1 (added with backup requests). A backup request was cancelled: sync, so the machine's next boot is not armed. */
  z.object({ ...envelope, type: z.literal('cancel-backup-request'), backupRequestId: idSchema('backupRequest') }),
  /** Pre-fetch a master's chunks (imaging pipeline). */
  z.object({ ...envelope, type: z.literal('sync-master'), masterId: idSchema('master'), version: z.number().int().positive() }),
]);
export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];

/** Since v1. Edge → cloud on `acks`: a command was carried out (or refused), exactly once per command id. */
export const commandAckSchema = z.object({
  ...envelope,
  type: z.literal('ack'),
  commandId: z.string().min(8).max(100),
  result: z.enum(['done', 'failed', 'duplicate']),
  message: z.string().max(2000).optional(),
});
export type CommandAck = z.infer<typeof commandAckSchema>;

/** Which schema each upward channel carries. */
export const edgeToCloudSchemas = {
  health: healthMessageSchema,
  presence: presenceMessageSchema,
  events: edgeEventSchema,
  acks: commandAckSchema,
} as const;

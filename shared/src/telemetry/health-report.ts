import { z } from 'zod';
import { idSchema, timestampSchema } from '../catalogue/common';

/**
 * What an edge reports about itself every interval (MQTT `marrow/{tenant}/{edge}/health`).
 * Since contract version 1; new fields are optional so older edges keep validating.
 */
export const partitionUsageSchema = z.object({
  device: z.string().max(200),
  mountPoint: z.string().max(500),
  totalBytes: z.number().int().nonnegative(),
  freeBytes: z.number().int().nonnegative(),
});
export type PartitionUsage = z.infer<typeof partitionUsageSchema>;

export const bootServiceStates = ['running', 'disabled', 'failed'] as const;

export const serverLoadSchema = z.object({
  uptimeSeconds: z.number().nonnegative(),
  loadAverage: z.tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()]),
  memoryUsedBytes: z.number().int().nonnegative(),
  memoryTotalBytes: z.number().int().nonnegative(),
});
export type ServerLoad = z.infer<typeof serverLoadSchema>;

export const healthReportSchema = z.object({
  /** Unique per message: the control plane applies each report once. */
  id: z.string().min(1).max(100),
  sentAt: timestampSchema,
  imagingServerId: idSchema('imagingServer'),
  softwareVersion: z.string().max(50),
  /** Seconds until the next report; the control plane derives "Offline" from it. */
  intervalSeconds: z.number().int().min(1).max(3600),
  partitions: z.array(partitionUsageSchema).max(64),
  load: serverLoadSchema,
  services: z.object({
    proxyDhcp: z.enum(bootServiceStates),
    tftp: z.enum(bootServiceStates),
    http: z.enum(bootServiceStates),
  }),
  cache: z.object({ usedBytes: z.number().int().nonnegative(), quotaBytes: z.number().int().nonnegative() }).optional(),
  controlPlaneReachable: z.boolean(),
  s3Reachable: z.boolean().optional(),
  lastError: z.string().max(2000).nullable().optional(),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

import { z } from 'zod';
import { entityStatisticsSchema } from '../catalogue/entity';
import { idSchema, timestampSchema } from '../catalogue/common';
import { partitionUsageSchema, serverLoadSchema, type HealthReport } from './health-report';

/** The three statuses of the imaging-server status page, in the users' words. */
export const imagingServerStatuses = ['available', 'offline', 'connection-error'] as const;
export type ImagingServerStatus = (typeof imagingServerStatuses)[number];

/** A report older than this many intervals means the server is Offline. */
export const MISSED_REPORTS_FOR_OFFLINE = 3;

export interface StatusInput {
  /** Null when no imaging server serves the entity. */
  server: { id: string; revokedAt: string | null } | null;
  lastReport: HealthReport | null;
  /** When the last will ("offline") arrived, if after the last report. */
  offlineSince: string | null;
  now: Date;
}

export interface DerivedStatus {
  status: ImagingServerStatus;
  /** Human-readable, for the portal: why this status. */
  reason: string;
}

/**
 * Status of an entity's imaging server, derived from what it reported:
 * - Offline: no server, revoked, never reported, its last will arrived, or no report within
 *   three intervals;
 * - Connection error: reports arrive, but the edge cannot use the control plane or S3, or
 *   one of its boot services is failing;
 * - Available: a fresh report with every service fine and the cloud reachable.
 */
export function deriveImagingServerStatus(input: StatusInput): DerivedStatus {
  const { server, lastReport, offlineSince, now } = input;
  if (!server) return { status: 'offline', reason: 'No imaging server serves this entity.' };
  if (server.revokedAt) return { status: 'offline', reason: `This imaging server was revoked on ${server.revokedAt.slice(0, 10)}.` };
  if (!lastReport) return { status: 'offline', reason: 'This imaging server has never reported; check that it is installed and enrolled.' };
  if (offlineSince && offlineSince >= lastReport.sentAt) {
    return { status: 'offline', reason: `The imaging server disconnected at ${offlineSince}.` };
  }
  const ageSeconds = (now.getTime() - Date.parse(lastReport.sentAt)) / 1000;
  if (ageSeconds > MISSED_REPORTS_FOR_OFFLINE * lastReport.intervalSeconds) {
    return { status: 'offline', reason: `No report for ${formatAge(ageSeconds)} (expected every ${lastReport.intervalSeconds} s).` };
  }
  if (!lastReport.controlPlaneReachable) {
    return { status: 'connection-error', reason: withError('The imaging server reports it cannot reach the control plane.', lastReport) };
  }
  if (lastReport.s3Reachable === false) {
    return { status: 'connection-error', reason: withError('The imaging server reports it cannot reach the masters storage (S3).', lastReport) };
  }
  const failing = Object.entries(lastReport.services)
    .filter(([, state]) => state === 'failed')
    .map(([name]) => serviceNames[name] ?? name);
  if (failing.length) {
    return { status: 'connection-error', reason: withError(`Boot service failing: ${failing.join(', ')}.`, lastReport) };
  }
  return { status: 'available', reason: 'The imaging server is operational.' };
}

const serviceNames: Record<string, string> = { proxyDhcp: 'ProxyDHCP', tftp: 'TFTP', http: 'HTTP boot' };

function withError(message: string, report: HealthReport): string {
  return report.lastError ? `${message} Last error: ${report.lastError}` : message;
}

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** `GET /v1/entities/{id}/imaging-server`: everything the status page shows. */
export const imagingServerStatusViewSchema = z.object({
  entityId: idSchema('entity'),
  imagingServerId: idSchema('imagingServer').nullable(),
  imagingServerName: z.string().nullable(),
  status: z.enum(imagingServerStatuses),
  reason: z.string(),
  reportedAt: timestampSchema.nullable(),
  softwareVersion: z.string().nullable(),
  partitions: z.array(partitionUsageSchema),
  load: serverLoadSchema.nullable(),
  services: z.record(z.string(), z.string()).nullable(),
  statistics: entityStatisticsSchema,
});
export type ImagingServerStatusView = z.infer<typeof imagingServerStatusViewSchema>;

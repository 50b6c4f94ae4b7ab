import type { ImagingServerStatus } from '@marrow/shared';
import type { ProfileSummary } from './fleet-profile';

/**
 * What the fleet benchmark (bench/fleet.bench.ts) and its host child
 * (bench/support/fleet-host.ts) say to each other over Node's IPC channel: one request, one
 * answer with the same `seq`.
 */

/** An imaging server created and enrolled in the host, as its edge needs it to connect. */
export interface EnrolledEdge {
  tenantId: string;
  entityId: string;
  imagingServerId: string;
  /** The real credential, from issueEnrolmentCode + enrolImagingServer. */
  credential: string;
}

export type HostRequest =
  | { cmd: 'setup'; edges: number; tenants: number }
  /** Starts the measurement window: latencies, DynamoDB calls, CPU and memory from now on. */
  | { cmd: 'measure' }
  | { cmd: 'progress' }
  /** Ends the window; `publishedIds` are the health messages the broker acknowledged to the edges. */
  | { cmd: 'report'; publishedIds: string[] }
  /** entityIds as "{tenantId}/{entityId}"; statuses derived as of `asOf` (default: now). */
  | { cmd: 'statuses'; entityIds: string[]; asOf?: string }
  | { cmd: 'stop' };

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface HostProgress {
  /** Health messages applied in the window so far. */
  appliedHealth: number;
  /** Edges with messages still queued or being applied. */
  busyEdges: number;
  /** Handling latency of the reports applied since the previous progress request. */
  recent: Percentiles;
}

export interface DynamoCallStats extends Percentiles {
  command: string;
  /** Calls per applied health message. */
  perHealthMessage: number;
}

export interface HostReport {
  seconds: number;
  /** sentAt (edge clock = host clock) → handler done: what the benchmark calls handling latency. */
  latencyMs: Percentiles;
  /** sentAt → the broker hands the message to the host's subscription (network + aedes). */
  transitMs: Percentiles;
  /** Waiting behind the same edge's previous message (per-edge order is kept). */
  queuedMs: Percentiles;
  /** handleEdgeMessage itself, retries included. */
  handlerMs: Percentiles;
  dynamo: DynamoCallStats[];
  /** Outcomes by channel, e.g. { "health:applied": 33000, "presence:applied": 1050 }. */
  outcomes: Record<string, number>;
  /** Health messages handled (any outcome) per second of the window. */
  msgsPerSecond: number;
  /** Every message the host handled (all channels) per second of the window. */
  allMsgsPerSecond: number;
  /** Published (acknowledged) ids never applied. */
  lost: number;
  lostSample: string[];
  cpuPercent: number;
  /** Host CPU time (all threads) per message handled: the cost that does not depend on other load on the machine. */
  cpuMsPerMessage: number;
  rssMb: { peak: number; end: number };
  heapUsedMb: number;
  /** Fraction of the window the event loop was busy (1 = saturated). */
  eventLoopUtilization: number;
  eventLoopDelayP99Ms: number;
  /** With FLEET_CPU_PROFILE=DIR: where the main thread spent the window. */
  profile?: ProfileSummary;
}

export type HostAnswer =
  | { seq: number; ok: true; result: unknown }
  | { seq: number; ok: false; error: string };

export type HostStatuses = Record<string, { status: ImagingServerStatus; reason: string }>;

import {
  edgeToCloudSchemas,
  parseEdgeTopic,
  type CommandAck,
  type EdgeEvent,
  type HealthReport,
} from '@marrow/shared';
import type { CatalogueStore } from '../ports/catalogue-store';
import { listServedEntities } from '../catalogue/snapshot';
import { ConflictError } from '../errors/marrow-error';
import { applyTaskReport, refreshDeploymentState } from '../catalogue/deployments';
import { applyBackupRequestReport, markBackupRequestArmed } from '../catalogue/backup-requests';
import { newMeta, updateRecord } from '../catalogue/records';
import { firstDelivery, forgetDelivery } from './apply-once';

export interface EdgeMessageDeps {
  store: CatalogueStore;
  clock: () => Date;
  log?: (entry: Record<string, unknown>) => void;
}

export type HandlingOutcome = 'applied' | 'duplicate' | 'ignored' | 'rejected';

/**
 * Applies one message an edge published. The same function runs behind IoT Core topic
 * rules in the cloud and behind the local host's broker subscription: the topic (which
 * the broker only let this edge publish to) says who sent it; the payload is validated
 * against the contract; each message id is applied once.
 */
export async function handleEdgeMessage(deps: EdgeMessageDeps, topic: string, payload: Uint8Array | string): Promise<HandlingOutcome> {
  const log = deps.log ?? (() => undefined);
  const parsedTopic = parseEdgeTopic(topic);
  if (!parsedTopic || parsedTopic.channel === 'commands') {
    log({ level: 'warn', message: 'message on an unknown topic', topic });
    return 'ignored';
  }
  const { tenantId, imagingServerId, channel } = parsedTopic;
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    log({ level: 'warn', message: 'message is not JSON', topic });
    return 'rejected';
  }
  const parsed = edgeToCloudSchemas[channel].safeParse(json);
  if (!parsed.success) {
    log({ level: 'warn', message: 'message does not match the contract', topic, issues: parsed.error.issues.slice(0, 5) });
    return 'rejected';
  }
  const message = parsed.data;
  if (!(await knownServer(deps.store, tenantId, imagingServerId))) {
    log({ level: 'warn', message: 'message from an unknown imaging server', topic });
    return 'ignored';
  }
  const now = deps.clock();
  // Health is the bulk of the traffic and is idempotent by itself (only a newer report
  // replaces the last), so it skips the apply-once claim: two round trips instead of five.
  if (message.type === 'health') {
    if (message.report.imagingServerId !== imagingServerId) return 'rejected';
    return (await recordHealth(deps.store, tenantId, imagingServerId, message.report, now)) ? 'applied' : 'duplicate';
  }
  if (!(await firstDelivery(deps.store, tenantId, imagingServerId, message.id, now))) return 'duplicate';
  try {
    switch (message.type) {
      case 'presence':
        await recordPresence(deps.store, tenantId, imagingServerId, message.state, message.sentAt, now);
        break;
      case 'ack':
        await recordAck(deps.store, tenantId, imagingServerId, message, now);
        break;
      default:
        await applyEvent(deps, tenantId, imagingServerId, message, now);
    }
    return 'applied';
  } catch (error) {
    // Not applied: let a redelivery try again.
    await forgetDelivery(deps.store, tenantId, imagingServerId, message.id).catch(() => undefined);
    throw error;
  }
}

async function healthRecord(store: CatalogueStore, tenantId: string, imagingServerId: string, now: Date) {
  const existing = await store.get(tenantId, 'imagingServerHealth', imagingServerId);
  if (existing) return;
  try {
    await store.create(tenantId, 'imagingServerHealth', imagingServerId, { ...newMeta(tenantId, now), imagingServerId, lastReport: null, offlineSince: null });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}

/** Stores a report if it is newer than the stored one; false when it is not (a duplicate or a late one). */
async function recordHealth(store: CatalogueStore, tenantId: string, imagingServerId: string, report: HealthReport, now: Date): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(tenantId, 'imagingServerHealth', imagingServerId);
    if (current?.lastReport && current.lastReport.sentAt >= report.sentAt) return false;
    try {
      if (!current) {
        await store.create(tenantId, 'imagingServerHealth', imagingServerId, { ...newMeta(tenantId, now), imagingServerId, lastReport: report, offlineSince: null });
      } else {
        const next = { ...current, lastReport: report, version: current.version + 1, updatedAt: now.toISOString() };
        await store.replace(tenantId, 'imagingServerHealth', imagingServerId, next, current.version);
      }
      return true;
    } catch (error) {
      // A concurrent write (the last will, another report): read again and decide again.
      if (!(error instanceof ConflictError) || attempt >= 4) throw error;
    }
  }
}

/**
 * Imaging servers known to exist, remembered for a minute: every message checks its sender,
 * and a revoked server is cut off at the broker anyway (its credential or certificate stops
 * working), so a short cache costs no safety.
 */
const knownServers = new Map<string, number>();
const KNOWN_SERVER_MS = 60_000;

async function knownServer(store: CatalogueStore, tenantId: string, imagingServerId: string): Promise<boolean> {
  const key = `${tenantId}/${imagingServerId}`;
  const until = knownServers.get(key);
  if (until && until > Date.now()) return true;
  const server = await store.get(tenantId, 'imagingServer', imagingServerId);
  if (!server) return false;
  if (knownServers.size > 100_000) knownServers.clear();
  knownServers.set(key, Date.now() + KNOWN_SERVER_MS);
  return true;
}

async function recordPresence(store: CatalogueStore, tenantId: string, imagingServerId: string, state: 'online' | 'offline', sentAt: string, now: Date) {
  await healthRecord(store, tenantId, imagingServerId, now);
  await updateRecord(store, tenantId, 'imagingServerHealth', imagingServerId, now, (h) => {
    // A last will is written when the edge connects and published by the broker when the
    // connection dies: its sentAt is stale, the time it arrives is the time of the loss.
    if (state === 'offline') return { ...h, offlineSince: now.toISOString() };
    return h.offlineSince && h.offlineSince <= sentAt ? { ...h, offlineSince: null } : h;
  });
}

async function recordAck(store: CatalogueStore, tenantId: string, imagingServerId: string, ack: CommandAck, now: Date) {
  const record = await store.get(tenantId, 'edgeCommand', ack.commandId);
  if (!record || record.imagingServerId !== imagingServerId) return;
  await updateRecord(store, tenantId, 'edgeCommand', ack.commandId, now, (c) => ({
    ...c,
    state: ack.result === 'failed' ? 'failed' : 'done',
    ackMessage: ack.message ?? null,
  }));
  // The site armed a backup request: it now waits for its machine to boot.
  if (record.command.type === 'arm-backup-request' && ack.result !== 'failed') {
    await markBackupRequestArmed(store, tenantId, record.command.backupRequestId, now);
  }
}

async function applyEvent(deps: EdgeMessageDeps, tenantId: string, imagingServerId: string, event: EdgeEvent, now: Date) {
  if (event.type === 'backup-request-progress') return applyBackupRequestEvent(deps, tenantId, imagingServerId, event, now);
  if (event.type !== 'task-progress') return; // backup-captured: applied by the imaging pipeline
  const { store } = deps;
  const deployment = await store.get(tenantId, 'deployment', event.deploymentId);
  const server = await store.get(tenantId, 'imagingServer', imagingServerId);
  if (!deployment || !server) return;
  // An edge reports only for machines of the entities it serves.
  const served = await listServedEntities(store, tenantId, server.entityId);
  if (!served.some((e) => e.id === deployment.entityId)) {
    deps.log?.({ level: 'warn', message: 'task event from an imaging server that does not serve the deployment', imagingServerId });
    return;
  }
  const changed = await applyTaskReport(store, tenantId, event.deploymentId, event.machineId, now, {
    seq: event.seq,
    state: event.state,
    ...(event.progress !== undefined ? { progress: event.progress } : {}),
    ...(event.error !== undefined ? { error: event.error } : {}),
  });
  if (!changed) {
    deps.log?.({ level: 'info', message: 'task report superseded or not applicable', deploymentId: event.deploymentId, seq: event.seq });
    return;
  }
  await refreshDeploymentState(store, tenantId, event.deploymentId, now);
}

type BackupRequestEvent = Extract<EdgeEvent, { type: 'backup-request-progress' }>;

/** A backup request moved or progressed on the site: applied like a deployment task's report (by seq, never reviving an ended request). */
async function applyBackupRequestEvent(deps: EdgeMessageDeps, tenantId: string, imagingServerId: string, event: BackupRequestEvent, now: Date) {
  const { store } = deps;
  const request = await store.get(tenantId, 'backupRequest', event.backupRequestId);
  const server = await store.get(tenantId, 'imagingServer', imagingServerId);
  if (!request || !server || request.machineId !== event.machineId) return;
  const served = await listServedEntities(store, tenantId, server.entityId);
  if (!served.some((e) => e.id === request.entityId)) {
    deps.log?.({ level: 'warn', message: 'backup request event from an imaging server that does not serve the machine', imagingServerId });
    return;
  }
  if (event.backupImageId) {
    // The backup image must be this machine's capture, not any image of the tenant.
    const image = await store.get(tenantId, 'backupImage', event.backupImageId);
    if (!image || image.machineId !== request.machineId) {
      deps.log?.({ level: 'warn', message: 'backup request event names a backup image of another machine', backupRequestId: request.id });
      return;
    }
  }
  const changed = await applyBackupRequestReport(store, tenantId, request.id, now, {
    seq: event.seq,
    state: event.state,
    ...(event.progress !== undefined ? { progress: event.progress } : {}),
    ...(event.error !== undefined ? { error: event.error } : {}),
    ...(event.backupImageId ? { backupImageId: event.backupImageId } : {}),
  });
  if (!changed) deps.log?.({ level: 'info', message: 'backup request report superseded or not applicable', backupRequestId: request.id, seq: event.seq });
}

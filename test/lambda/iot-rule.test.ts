import type { Context } from 'aws-lambda';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTRACT_VERSION, deriveImagingServerStatus, edgeTopic, type HealthReport, type ImagingServer } from '@marrow/shared';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../lambdas/src/adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { newId } from '../../lambdas/src/app/ids';
import { newMeta } from '../../lambdas/src/catalogue/records';
import { createTenant } from '../../lambdas/src/catalogue/tenants';
import { createIotRuleHandler, type IotRuleEvent } from '../../lambdas/src/telemetry/iot-rule-handler';
import { StorageUnavailableError } from '../../lambdas/src/errors/marrow-error';
import { startDynalite, type RunningDynalite } from '../../lambdas/src/local/embedded/dynalite';
import type { CatalogueStore } from '../../lambdas/src/ports/catalogue-store';

/**
 * The Lambda behind the IoT topic rules, invoked as IoT Core invokes it (the rule's SELECT
 * result as the event), against the embedded DynamoDB and the real store. The entry reads its
 * configuration from the environment exactly as in the cloud.
 */
type Handler = (event: unknown, context: Context) => Promise<string>;

let handler: Handler;
let dynalite: RunningDynalite;
let store: CatalogueStore;
let tenantId: string;
let imagingServerId: string;
const savedEnv = { ...process.env };

/** What `SELECT encode(*, 'base64') AS payload, topic() AS topic FROM 'marrow/+/+/…'` delivers. */
function ruleEvent(channel: 'health' | 'presence' | 'events' | 'acks', payload: string | object, server = imagingServerId): IotRuleEvent {
  const bytes = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { topic: edgeTopic(tenantId, server, channel), payload: Buffer.from(bytes).toString('base64') };
}

function healthMessage(sentAt = new Date()) {
  const report: HealthReport = {
    id: `hr_${ulid()}`,
    sentAt: sentAt.toISOString(),
    imagingServerId,
    softwareVersion: '0.1.0',
    intervalSeconds: 30,
    partitions: [{ device: '/dev/sda1', mountPoint: '/', totalBytes: 100e9, freeBytes: 60e9 }],
    load: { uptimeSeconds: 3600, loadAverage: [0.1, 0.2, 0.3], memoryUsedBytes: 1e9, memoryTotalBytes: 4e9 },
    services: { proxyDhcp: 'running', tftp: 'running', http: 'running' },
    controlPlaneReachable: true,
    s3Reachable: true,
  };
  return { v: CONTRACT_VERSION, id: report.id, sentAt: report.sentAt, type: 'health', report };
}

const invoke = (event: unknown) => handler(event, {} as Context);

beforeAll(async () => {
  dynalite = await startDynalite();
  const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region: 'eu-west-1' });
  await ensureCatalogueTable(client, 'marrow-iot-test');
  store = new DynamoDbCatalogueStore({ client: documentClient, tableName: 'marrow-iot-test' });
  tenantId = (await createTenant(store, 'Edge tenant', new Date(), newId)).id;
  const [general] = (await store.list(tenantId, 'entity')).items;
  imagingServerId = newId('imagingServer');
  const server: ImagingServer = { ...newMeta(tenantId, new Date()), id: imagingServerId, entityId: general!.id, name: 'edge-lyon', revokedAt: null };
  await store.create(tenantId, 'imagingServer', imagingServerId, server);

  // Only what the edge-link stack sets (plus the Lambda runtime's AWS_REGION).
  Object.assign(process.env, { MARROW_TABLE_NAME: 'marrow-iot-test', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint });
  vi.resetModules();
  handler = (await import('../../lambdas/src/entry/iot-rule')).handler as unknown as Handler;
});

afterAll(async () => {
  process.env = savedEnv;
  await dynalite?.close();
});

describe('IoT rule Lambda (edge messages → catalogue)', () => {
  it('applies a health report: the imaging server becomes Available', async () => {
    const message = healthMessage();
    expect(await invoke(ruleEvent('health', message))).toBe('applied');

    const health = await store.get(tenantId, 'imagingServerHealth', imagingServerId);
    expect(health?.lastReport).toEqual(message.report);
    const server = await store.get(tenantId, 'imagingServer', imagingServerId);
    const { status } = deriveImagingServerStatus({ server: server!, lastReport: health!.lastReport, offlineSince: health!.offlineSince, now: new Date() });
    expect(status).toBe('available');

    // QoS 1 and Lambda's own retries may deliver it again: applied once.
    expect(await invoke(ruleEvent('health', message))).toBe('duplicate');
  });

  it('applies the last will: the imaging server goes Offline', async () => {
    const will = { v: CONTRACT_VERSION, id: `pr_${ulid()}`, sentAt: new Date(Date.now() - 60_000).toISOString(), type: 'presence', state: 'offline', imagingServerId };
    expect(await invoke(ruleEvent('presence', will))).toBe('applied');
    const health = await store.get(tenantId, 'imagingServerHealth', imagingServerId);
    expect(health?.offlineSince).not.toBeNull();
    const server = await store.get(tenantId, 'imagingServer', imagingServerId);
    expect(deriveImagingServerStatus({ server: server!, lastReport: health!.lastReport, offlineSince: health!.offlineSince, now: new Date() }).status).toBe(
      'offline',
    );
  });

  it('does not throw on malformed messages (no retry can fix them) and stores nothing', async () => {
    const other = newId('imagingServer');
    await store.create(tenantId, 'imagingServer', other, {
      ...newMeta(tenantId, new Date()),
      id: other,
      entityId: (await store.get(tenantId, 'imagingServer', imagingServerId))!.entityId,
      name: 'edge-other',
      revokedAt: null,
    });
    const { report, ...envelope } = healthMessage();
    const outcomes = await Promise.all([
      invoke(ruleEvent('health', 'this is not JSON', other)),
      invoke(ruleEvent('health', { ...envelope, report: { ...report, imagingServerId: other, partitions: 'none' } }, other)),
      invoke(ruleEvent('health', { ...envelope, type: 'presence' }, other)),
      // Not what our rule SQL produces at all.
      invoke({ topic: edgeTopic(tenantId, other, 'health'), payload: '%%% not base64 %%%' }),
      invoke({ state: 'reported' }),
    ]);
    expect(outcomes).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(await store.get(tenantId, 'imagingServerHealth', other)).toBeUndefined();
    const applied = (await store.list(tenantId, 'appliedEdgeMessage')).items.filter((m) => m.imagingServerId === other);
    expect(applied).toEqual([]);
  });

  it('ignores messages nobody can apply: a foreign topic, an unknown imaging server', async () => {
    expect(await invoke({ topic: 'marrow/not-a-tenant/x/health', payload: Buffer.from('{}').toString('base64') })).toBe('ignored');
    expect(await invoke(ruleEvent('health', healthMessage(), newId('imagingServer')))).toBe('ignored');
  });

  it('fails the invocation on storage trouble, so Lambda retries and then dead-letters the event', async () => {
    const failing = new Proxy(store, {
      get: (target, key, receiver) =>
        key === 'get'
          ? () => Promise.reject(new StorageUnavailableError('DynamoDB GetItem failed: storage is unavailable'))
          : Reflect.get(target, key, receiver),
    });
    const logs: Record<string, unknown>[] = [];
    const direct = createIotRuleHandler({ store: failing, clock: () => new Date(), log: (entry) => logs.push(entry) });
    await expect(direct(ruleEvent('health', healthMessage()), {} as Context)).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});

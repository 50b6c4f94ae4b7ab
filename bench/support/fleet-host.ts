import { join } from 'node:path';
import { deriveImagingServerStatus } from '@marrow/shared';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../lambdas/src/adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { brokerAccess } from '../../lambdas/src/local/broker/broker-access';
import { startAedes } from '../../lambdas/src/local/embedded/aedes';
import { startDynalite } from '../../lambdas/src/local/embedded/dynalite';
import { startDynaliteThread } from '../../lambdas/src/local/embedded/dynalite-thread';
import { FleetMeter } from './fleet-meter';
import { startProfiling, type ProfileSummary } from './fleet-profile';
import type { HostAnswer, HostProgress, HostRequest, HostStatuses } from './fleet-protocol';
import { enrolFleet } from './fleet-setup';
import { subscribeToEdgesTimed, timeDynamoCalls } from './fleet-wiring';
import type { EdgeSubscription } from '../../lambdas/src/local/broker/edge-subscription';

/**
 * The fleet benchmark's host, in a child process of its own so that its CPU and memory are
 * its own. It assembles the telemetry half of lambdas/src/local/local-host.ts the same way
 * (dynalite on a worker thread, persisted under the data directory → the DynamoDB catalogue store → aedes
 * persisted under the data directory with brokerAccess(store) as its ACLs) and subscribes
 * with the local host's EdgeSubscription, timed (fleet-wiring.ts). The HTTP API,
 * s3rver and the local edge are left out: no edge message touches them.
 *
 * Usage (by bench/fleet.bench.ts only): fork with `--import tsx`, argument {"dataDir": …,
 * "cpuProfileDir"?: …};
 * it sends {"ready": true, "mqttPort": …}, then answers HostRequests.
 */
const { dataDir, cpuProfileDir } = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; cpuProfileDir?: string };
const send = (message: unknown) => process.send!(message);

const meter = new FleetMeter();
// As the local host runs it: on a worker thread. FLEET_DYNALITE=inline puts the emulator back on
// the host's event loop, to compare.
const dynaliteOptions = { path: join(dataDir, 'dynamodb'), port: 0, host: '127.0.0.1' };
const dynalite = process.env.FLEET_DYNALITE === 'inline' ? await startDynalite(dynaliteOptions) : await startDynaliteThread(dynaliteOptions);
const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region: 'us-east-1' });
await ensureCatalogueTable(client, 'catalogue');
timeDynamoCalls(documentClient, meter);
const store = new DynamoDbCatalogueStore({ client: documentClient, tableName: 'catalogue' });
let subscription: EdgeSubscription | undefined;
const aedes = await startAedes({
  persistenceDir: join(dataDir, 'mqtt'),
  tcpPort: 0,
  wsPort: 0,
  host: '127.0.0.1',
  ...brokerAccess(store),
  beforeListen: async (broker) => {
    subscription = await subscribeToEdgesTimed(broker, { store, clock: () => new Date() }, meter);
  },
});

let stopProfiling: (() => Promise<ProfileSummary>) | undefined;

async function answer(request: HostRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'setup':
      return enrolFleet(store, request.edges, request.tenants);
    case 'measure':
      if (cpuProfileDir) stopProfiling = await startProfiling(cpuProfileDir);
      meter.start();
      return null;
    case 'progress':
      return { appliedHealth: meter.appliedHealth, busyEdges: subscription!.busyEdges(), recent: meter.recentLatency() } satisfies HostProgress;
    case 'report': {
      const report = meter.report(request.publishedIds);
      return stopProfiling ? { ...report, profile: await stopProfiling() } : report;
    }
    case 'statuses':
      return statuses(request.entityIds, request.asOf ? new Date(request.asOf) : new Date());
    case 'stop':
      await aedes.close();
      await subscription?.drain();
      client.destroy();
      await dynalite.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

/** Each entity's status exactly as GET /v1/entities/{id}/imaging-server derives it (routes/imaging-server-status.ts). */
async function statuses(entityIds: string[], now: Date): Promise<HostStatuses> {
  const result: HostStatuses = {};
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < entityIds.length; i = next++) {
      const [tenantId, entityId] = entityIds[i]!.split('/') as [string, string];
      const entity = await store.get(tenantId, 'entity', entityId);
      const [server, health] = await Promise.all([
        entity?.imagingServerId ? store.get(tenantId, 'imagingServer', entity.imagingServerId) : undefined,
        entity?.imagingServerId ? store.get(tenantId, 'imagingServerHealth', entity.imagingServerId) : undefined,
      ]);
      result[entityId] = deriveImagingServerStatus({
        server: server ?? null,
        lastReport: health?.lastReport ?? null,
        offlineSince: health?.offlineSince ?? null,
        now,
      });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return result;
}

process.on('message', (message: { seq: number } & HostRequest) => {
  answer(message).then(
    (result) => send({ seq: message.seq, ok: true, result } satisfies HostAnswer),
    (error: unknown) => send({ seq: message.seq, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies HostAnswer),
  );
});
// The benchmark died: do not outlive it.
process.on('disconnect', () => process.exit(1));
send({ ready: true, mqttPort: aedes.tcpPort });

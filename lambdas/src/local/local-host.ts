import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createDynamoDbClients } from '../adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client, ensureBucket } from '../adapters/s3/clients';
import { S3ObjectArchive } from '../adapters/s3/s3-object-archive';
import { createApp } from '../app/create-app';
import type { AppDeps } from '../app/deps';
import { newId } from '../app/ids';
import { generatePassword } from '../auth/password-hash';
import { LocalTokens } from '../auth/local-tokens';
import { createTenant } from '../catalogue/tenants';
import { createUser } from '../catalogue/users';
import { SYSTEM_SCOPE, type CatalogueStore } from '../ports/catalogue-store';
import { lockDataDir } from './data-dir-lock';
import { closeAll } from '../../../edge/src/lifecycle/close-all';
import { startAedes } from './embedded/aedes';
import { brokerAccess } from './broker/broker-access';
import { aedesCommandPublisher, localMqttIdentities } from './broker/broker-wiring';
import { EdgeSubscription } from './broker/edge-subscription';
import { startDynaliteThread } from './embedded/dynalite-thread';
import { startS3rver } from './embedded/s3rver';
import type { LocalHostConfig } from './local-config';
import { mountPortal } from './portal-static';
import { loadTokenSecret } from './token-secret';
import { startLocalEdge } from './local-edge';
import type { RunningEdge } from '../../../edge/src/daemon';

export const FIRST_ADMIN_USERNAME = 'admin';

export interface FirstStart {
  tenantId: string;
  username: string;
  password: string;
}

export interface LocalHost {
  apiUrl: string;
  mqttUrl: string;
  deps: AppDeps;
  /** Set on the very first start on a data directory: the admin account to print once. */
  firstStart?: FirstStart;
  /** The local edge appliance, when the configuration asks for one. */
  edge?: RunningEdge;
  close(): Promise<void>;
}

/**
 * The embedded default: the real AWS SDK clients talking to dynalite and s3rver, aedes as
 * the MQTT broker, and the control plane app on a Node server — all in this process (dynalite
 * on a worker thread), all persisted under one data directory.
 */
export interface LocalHostHooks {
  /** Something the host cannot run without stopped by itself (the embedded DynamoDB's thread). */
  onFatal?(error: Error): void;
}

export async function startLocalHost(config: LocalHostConfig, hooks: LocalHostHooks = {}): Promise<LocalHost> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = closeAll(closers);
  try {
    closers.push(lockDataDir(config.dataDir));
    const region = 'us-east-1';
    // On a thread of its own: the emulator's work stays off the event loop serving the API and the edges.
    const dynalite = await startDynaliteThread({
      path: join(config.dataDir, 'dynamodb'),
      port: 0,
      host: '127.0.0.1',
      onCrash: (error) => (hooks.onFatal ?? ((e: Error) => console.error(`Marrow: ${e.message}`)))(error),
    });
    closers.push(() => dynalite.close());
    const s3rver = await startS3rver({ directory: join(config.dataDir, 's3'), port: 0, host: '127.0.0.1' });
    closers.push(() => s3rver.close());
    const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region });
    closers.push(() => client.destroy());
    await ensureCatalogueTable(client, config.tableName);
    const s3 = createS3Client({ endpoint: s3rver.endpoint, region });
    closers.push(() => s3.destroy());
    await ensureBucket(s3, config.bucket);

    const store = new DynamoDbCatalogueStore({ client: documentClient, tableName: config.tableName });
    const edgeMessages = new EdgeSubscription({ store, clock: () => new Date(), log: (entry) => console.log(JSON.stringify(entry)) });
    // Runs after the broker closed (closers run last first): what it took is applied before storage closes.
    closers.push(() => edgeMessages.drain());
    const aedes = await startAedes({
      persistenceDir: join(config.dataDir, 'mqtt'),
      tcpPort: config.mqttPort,
      wsPort: config.mqttWsPort,
      host: config.host,
      ...brokerAccess(store),
      beforeListen: (broker) => edgeMessages.subscribe(broker),
    });
    closers.push(() => aedes.close());
    const mqttUrl = `mqtt://${config.host}:${aedes.tcpPort}`;

    const tokens = new LocalTokens(loadTokenSecret(config.dataDir));
    const deps: AppDeps = {
      store,
      edgeCommands: aedesCommandPublisher(aedes.broker),
      mqttIdentities: localMqttIdentities(aedes.broker, () => mqttUrl),
      archive: new S3ObjectArchive({ client: s3, bucket: config.bucket }),
      tokens,
      passwordSignIn: tokens,
      clock: () => new Date(),
      newId,
      version: config.version,
    };
    const firstStart = await seedFirstStart(deps.store, config.adminPassword);

    const app = createApp(deps);
    mountPortal(app); // the portal at the URL root, next to the API
    const server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
      s.once('error', reject);
    });
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const apiUrl = `http://${config.host}:${port}`;
    const edge = config.edge ? await startLocalEdge(deps, apiUrl, config.edge) : undefined;
    if (edge) closers.push(() => edge.close());
    return {
      apiUrl,
      ...(edge ? { edge } : {}),
      mqttUrl,
      deps,
      ...(firstStart ? { firstStart } : {}),
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * On the first start on a data directory: a tenant with its "General" entity and an admin
 * (an MSP operator of every tenant). The admin is created last, so a start interrupted
 * before it simply seeds again next time.
 */
async function seedFirstStart(store: CatalogueStore, adminPassword: string | undefined): Promise<FirstStart | undefined> {
  if (await store.get(SYSTEM_SCOPE, 'user', FIRST_ADMIN_USERNAME)) return undefined;
  const now = new Date();
  const existing = await store.list(SYSTEM_SCOPE, 'tenant', { limit: 1 });
  const tenant = existing.items[0] ?? (await createTenant(store, 'My organisation', now, newId));
  const password = adminPassword ?? generatePassword();
  await createUser(store, { username: FIRST_ADMIN_USERNAME, password, role: 'msp-operator', tenantIds: ['*'] }, now, newId);
  return { tenantId: tenant.id, username: FIRST_ADMIN_USERNAME, password };
}

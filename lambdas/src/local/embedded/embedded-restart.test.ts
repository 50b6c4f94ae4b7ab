import mqtt from 'mqtt';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClients } from '../../adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client, ensureBucket } from '../../adapters/s3/clients';
import { S3ObjectArchive } from '../../adapters/s3/s3-object-archive';
import { SYSTEM_SCOPE } from '../../ports/catalogue-store';
import { startAedes } from './aedes';
import { startDynalite, type DynaliteOptions, type RunningDynalite } from './dynalite';
import { startDynaliteThread } from './dynalite-thread';
import { startS3rver } from './s3rver';

/**
 * The local host keeps its data across restarts: each embedded server must release its
 * port and files on close() and find its data again on the next start.
 */

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'marrow-embedded-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const region = 'eu-west-1';
const tenantId = `tn_${ulid()}`;

const dynaliteRuns: [string, (options: DynaliteOptions) => Promise<RunningDynalite>][] = [
  ['in this thread (the tests)', startDynalite],
  ['on a worker thread (the local host)', startDynaliteThread],
];

describe.each(dynaliteRuns)('dynalite with a data directory, %s', (way, startDynalite) => {
  async function openStore(path: string, port = 0) {
    const dynalite = await startDynalite({ path, port });
    const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region });
    await ensureCatalogueTable(client, 'catalogue');
    return {
      store: new DynamoDbCatalogueStore({ client: documentClient, tableName: 'catalogue' }),
      port: dynalite.port,
      close: async () => {
        client.destroy();
        await dynalite.close();
      },
    };
  }

  it('keeps records across a restart on the same directory', async () => {
    const path = join(root, `dynalite ${way}`);
    const at = '2025-01-15T10:00:00.000Z';
    const tenant = { id: tenantId, name: 'Acme', createdAt: at, updatedAt: at, version: 1 };

    const first = await openStore(path);
    await first.store.create(SYSTEM_SCOPE, 'tenant', tenant.id, tenant);
    await first.close();

    const second = await openStore(path, first.port);
    try {
      expect(await second.store.get(SYSTEM_SCOPE, 'tenant', tenant.id)).toEqual(tenant);
    } finally {
      await second.close();
    }
  });

  it('refuses a second instance on a directory in use instead of crashing', async () => {
    const path = join(root, `dynalite-busy ${way}`);
    const running = await startDynalite({ path });
    try {
      await expect(startDynalite({ path })).rejects.toThrow(/already running/);
      await expect(startDynaliteThread({ path })).rejects.toThrow(/already running/);
    } finally {
      await running.close();
    }
  });

  it('says the port is in use, and frees the directory for the next try', async () => {
    const path = join(root, `dynalite-port ${way}`);
    const holder = await startDynalite({});
    try {
      await expect(startDynalite({ path, port: holder.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const next = await startDynalite({ path });
      await next.close();
    } finally {
      await holder.close();
    }
  });
});

describe('s3rver with a directory', () => {
  it('keeps objects across a restart', async () => {
    const directory = join(root, 's3rver');
    const open = async () => {
      const s3rver = await startS3rver({ directory });
      const client = createS3Client({ endpoint: s3rver.endpoint, region });
      await ensureBucket(client, 'masters');
      const archive = new S3ObjectArchive({ client, bucket: 'masters' });
      return {
        archive,
        close: async () => {
          client.destroy();
          await s3rver.close();
        },
      };
    };

    const first = await open();
    await first.archive.put(tenantId, 'masters/ms_1/v1/manifest.json', '{"v":1}');
    await first.close();

    const second = await open();
    try {
      const bytes = await second.archive.get(tenantId, 'masters/ms_1/v1/manifest.json');
      expect(Buffer.from(bytes!).toString('utf8')).toBe('{"v":1}');
    } finally {
      await second.close();
    }
  });
});

describe('aedes with a persistence directory', () => {
  it('keeps a retained message across a broker restart (read back over WebSocket)', async () => {
    const persistenceDir = join(root, 'aedes');
    const topic = `marrow/${tenantId}/edges/is_1/status`;

    const first = await startAedes({ persistenceDir });
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.tcpPort}`, {
      protocolVersion: 4,
      clientId: 'publisher',
      reconnectPeriod: 0,
    });
    await publisher.publishAsync(topic, '{"online":true}', { qos: 1, retain: true });
    // The publisher stays connected: close() must drop live clients, not wait for them.
    await first.close();
    await publisher.endAsync(true);

    // Same ports again: close() released them.
    const second = await startAedes({ persistenceDir, tcpPort: first.tcpPort, wsPort: first.wsPort });
    const subscriber = await mqtt.connectAsync(`ws://127.0.0.1:${second.wsPort}`, {
      protocolVersion: 4,
      clientId: 'subscriber',
      reconnectPeriod: 0,
    });
    try {
      const received = new Promise<{ payload: string; retain: boolean }>((resolve) => {
        subscriber.on('message', (_topic, payload, packet) =>
          resolve({ payload: payload.toString('utf8'), retain: packet.retain }),
        );
      });
      await subscriber.subscribeAsync(topic, { qos: 1 });
      expect(await received).toEqual({ payload: '{"online":true}', retain: true });
    } finally {
      await subscriber.endAsync();
      await second.close();
    }
  });
});

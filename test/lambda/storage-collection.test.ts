import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chunkPath, type Master } from '@marrow/shared';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../lambdas/src/adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client, ensureBucket } from '../../lambdas/src/adapters/s3/clients';
import { S3ObjectArchive } from '../../lambdas/src/adapters/s3/s3-object-archive';
import { newId } from '../../lambdas/src/app/ids';
import { newMeta } from '../../lambdas/src/catalogue/records';
import { createTenant } from '../../lambdas/src/catalogue/tenants';
import type { ScheduledCollectionSummary } from '../../lambdas/src/catalogue/scheduled-storage-collection';
import { startDynalite, type RunningDynalite } from '../../lambdas/src/local/embedded/dynalite';
import { startS3rver, type RunningS3rver } from '../../lambdas/src/local/embedded/s3rver';

/**
 * The daily storage collection as the cloud runs it: the entry EventBridge invokes, with its
 * configuration from the environment, over every tenant, against the embedded DynamoDB and S3.
 */
let dir: string;
let dynalite: RunningDynalite;
let s3rver: RunningS3rver;
let store: DynamoDbCatalogueStore;
let archive: S3ObjectArchive;
const tenants: string[] = [];
const savedEnv = { ...process.env };
const orphan = 'a'.repeat(64);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-collection-'));
  dynalite = await startDynalite();
  s3rver = await startS3rver({ directory: join(dir, 's3') });
  const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region: 'eu-west-1' });
  await ensureCatalogueTable(client, 'marrow-collection-test');
  const s3 = createS3Client({ endpoint: s3rver.endpoint, region: 'eu-west-1' });
  await ensureBucket(s3, 'masters-collection-test');
  store = new DynamoDbCatalogueStore({ client: documentClient, tableName: 'marrow-collection-test' });
  archive = new S3ObjectArchive({ client: s3, bucket: 'masters-collection-test' });
  for (const name of ['Acme', 'Globex', 'Initech']) {
    const tenant = await createTenant(store, name, new Date(), newId);
    tenants.push(tenant.id);
    await archive.put(tenant.id, chunkPath(orphan), 'unused chunk');
  }
  // Initech's master names a manifest that is not in the archive: its collection must fail alone.
  const [general] = (await store.list(tenants[2]!, 'entity')).items;
  const master: Master = {
    ...newMeta(tenants[2]!, new Date()),
    id: newId('master'),
    entityId: general!.id,
    label: 'M-20261127-BROKEN',
    description: '',
    compressedSizeBytes: 0,
    inDefaultStartupMenu: false,
    sourceBackupImageId: null,
    postImagingScriptIds: [],
    versions: [{ number: 1, createdAt: new Date().toISOString(), manifestKey: 'masters/gone/v1/manifest.json', sizeBytes: 0, compressedSizeBytes: 0 }],
  };
  await store.create(tenants[2]!, 'master', master.id, master);

  Object.assign(process.env, {
    MARROW_TABLE_NAME: 'marrow-collection-test',
    MARROW_MASTERS_BUCKET: 'masters-collection-test',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_S3: s3rver.endpoint,
  });
  vi.resetModules();
});

afterAll(async () => {
  process.env = savedEnv;
  await s3rver?.close();
  await dynalite?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the scheduled storage collection', () => {
  it('runs over every tenant from its configuration; young objects are kept, a broken tenant fails alone', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { handler } = await import('../../lambdas/src/entry/storage-collection');
      const summary: ScheduledCollectionSummary = await handler();
      expect(summary).toMatchObject({ tenants: 3, deletedObjects: 0, failed: 1 });
      const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(lines.find((l) => l.level === 'error')).toMatchObject({ tenantId: tenants[2], error: expect.stringContaining('masters/gone/v1/manifest.json') });
    } finally {
      log.mockRestore();
    }
    for (const tenantId of tenants) expect(await archive.head(tenantId, chunkPath(orphan))).toBeDefined();
  });

  it('a week on, deletes what nothing uses in each tenant that can be read, and only there', async () => {
    const { createStorageCollectionHandler } = await import('../../lambdas/src/entry/storage-collection');
    const entries: Record<string, unknown>[] = [];
    const weekOn = createStorageCollectionHandler({ store, archive, clock: () => new Date(Date.now() + 8 * 24 * 3600 * 1000) }, (entry) => entries.push(entry));
    expect(await weekOn()).toEqual({ tenants: 3, deletedObjects: 2, deletedBytes: 24, skipped: 0, failed: 1 });
    expect(await archive.head(tenants[0]!, chunkPath(orphan))).toBeUndefined();
    expect(await archive.head(tenants[1]!, chunkPath(orphan))).toBeUndefined();
    expect(await archive.head(tenants[2]!, chunkPath(orphan))).toBeDefined();
    expect(entries.filter((e) => e.message === 'storage collected').map((e) => e.tenantId)).toEqual(expect.arrayContaining([tenants[0], tenants[1]]));
  });
});

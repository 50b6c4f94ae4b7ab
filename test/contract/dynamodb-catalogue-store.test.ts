import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../lambdas/src/adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { InvalidCursorError } from '../../lambdas/src/errors/marrow-error';
import { startDynalite, type RunningDynalite } from '../../lambdas/src/local/embedded/dynalite';
import { entityRecord, inBatches, machineRecord, newId } from './catalogue-fixtures';
import { describeCatalogueStoreContract } from './catalogue-store.contract';

const TABLE = 'marrow-catalogue-test';

async function startStore() {
  const dynalite = await startDynalite({ port: 0 });
  const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region: 'eu-west-1' });
  await ensureCatalogueTable(client, TABLE);
  const store = new DynamoDbCatalogueStore({ client: documentClient, tableName: TABLE });
  return {
    dynalite,
    client,
    store,
    teardown: async () => {
      client.destroy();
      await dynalite.close();
    },
  };
}

describeCatalogueStoreContract('DynamoDB (dynalite, in memory)', startStore);

/** What only this adapter promises, or what the contract cannot see from outside. */
describe('DynamoDbCatalogueStore specifics', () => {
  let running: Awaited<ReturnType<typeof startStore>>;
  let dynalite: RunningDynalite;

  beforeAll(async () => {
    running = await startStore();
    dynalite = running.dynalite;
  });
  afterAll(async () => {
    await running.teardown();
  });

  it('creates the table idempotently', async () => {
    await expect(ensureCatalogueTable(running.client, TABLE)).resolves.toBeUndefined();
  });

  it('refuses a hand-edited cursor that keeps the query but points into another tenant', async () => {
    const [a, b] = [newId.tenant(), newId.tenant()];
    const entity = entityRecord(a);
    await inBatches([1, 2], 2, () => {
      const m = machineRecord(a, entity.id);
      return running.store.create(a, 'machine', m.id, m);
    });
    const page = await running.store.list(a, 'machine', { limit: 1 });
    const body = JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8')) as { s: string };
    // Same key (tenant A's partition), relabelled as tenant B's query.
    const forged = Buffer.from(JSON.stringify({ ...body, s: b })).toString('base64url');

    await expect(running.store.list(b, 'machine', { cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('hands out no cursor when the last page is exactly full', async () => {
    const tenantId = newId.tenant();
    const entities = [entityRecord(tenantId), entityRecord(tenantId)];
    await inBatches(entities, 2, (e) => running.store.create(tenantId, 'entity', e.id, e));

    const page = await running.store.list(tenantId, 'entity', { limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeUndefined();
  });

  it('clamps limits to 1..1000', async () => {
    const tenantId = newId.tenant();
    const entities = [entityRecord(tenantId), entityRecord(tenantId)];
    await inBatches(entities, 2, (e) => running.store.create(tenantId, 'entity', e.id, e));

    expect((await running.store.list(tenantId, 'entity', { limit: 0 })).items).toHaveLength(1);
    expect((await running.store.list(tenantId, 'entity', { limit: 5000 })).items).toHaveLength(2);
  });

  it('serves on the endpoint it reports', () => {
    expect(dynalite.endpoint).toBe(`http://127.0.0.1:${dynalite.port}`);
  });
});

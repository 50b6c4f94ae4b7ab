import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { awsErrorName } from '../aws-errors';
import { catalogueTable } from './table-definition';

/** Creating a table takes ~0.5 s in dynalite and seconds to minutes in DynamoDB. */
const READY_TIMEOUT_MS = 5 * 60_000;

/**
 * Creates the catalogue table (same shape as the CDK data stack builds, from the same
 * names) unless it exists, then waits until it and its index are ACTIVE. Safe to call on
 * every start and from concurrent starters. Used by the local host and tests; in the
 * cloud the table belongs to CDK.
 */
export async function ensureCatalogueTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if ((await describe(client, tableName)) === undefined) {
    const { partitionKey, sortKey, groupIndex } = catalogueTable;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: partitionKey, AttributeType: 'S' },
            { AttributeName: sortKey, AttributeType: 'S' },
            { AttributeName: groupIndex.partitionKey, AttributeType: 'S' },
            { AttributeName: groupIndex.sortKey, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: partitionKey, KeyType: 'HASH' },
            { AttributeName: sortKey, KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: groupIndex.name,
              KeySchema: [
                { AttributeName: groupIndex.partitionKey, KeyType: 'HASH' },
                { AttributeName: groupIndex.sortKey, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
    } catch (error) {
      // Another starter won the race: its table is as good as ours.
      if (awsErrorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  await waitUntilActive(client, tableName);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/**
 * Polls DescribeTable ourselves: the SDK waiter sleeps at least 20 s between polls, far
 * too long for dynalite, whose tables turn ACTIVE after half a second.
 */
async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let delayMs = 100;
  for (;;) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE in time`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 2_000);
  }
}

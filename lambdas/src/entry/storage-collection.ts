import { createDynamoDbClients } from '../adapters/dynamodb/clients';
import { DynamoDbCatalogueStore } from '../adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client } from '../adapters/s3/clients';
import { S3ObjectArchive } from '../adapters/s3/s3-object-archive';
import { collectEveryTenant, type ScheduledCollectionSummary } from '../catalogue/scheduled-storage-collection';
import type { StorageCollectionDeps } from '../catalogue/storage-collection';
import { readStorageCollectionConfig } from './lambda-config';

/** Dependencies from the environment CDK sets; built once per container. */
export function createStorageCollectionDeps(env: NodeJS.ProcessEnv = process.env): StorageCollectionDeps {
  const config = readStorageCollectionConfig(env);
  const { documentClient } = createDynamoDbClients({ region: config.region, endpoint: config.dynamoDbEndpoint });
  return {
    store: new DynamoDbCatalogueStore({ client: documentClient, tableName: config.tableName }),
    archive: new S3ObjectArchive({ client: createS3Client({ region: config.region, endpoint: config.s3Endpoint }), bucket: config.mastersBucket }),
    clock: () => new Date(),
  };
}

/** The handler an EventBridge schedule invokes once a day (infra/lib/constructs/storage-collection-schedule.ts). */
export function createStorageCollectionHandler(deps: StorageCollectionDeps, log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry))) {
  return async (): Promise<ScheduledCollectionSummary> => {
    const summary = await collectEveryTenant(deps, log);
    log({ level: 'info', message: 'storage collection done', ...summary });
    return summary;
  };
}

export const handler = createStorageCollectionHandler(createStorageCollectionDeps());

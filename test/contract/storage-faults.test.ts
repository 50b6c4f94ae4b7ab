import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client } from '../../lambdas/src/adapters/s3/clients';
import { S3ObjectArchive } from '../../lambdas/src/adapters/s3/s3-object-archive';
import { RecordExistsError, StorageUnavailableError } from '../../lambdas/src/errors/marrow-error';
import { entityRecord, newId } from './catalogue-fixtures';

/**
 * Backend failures the emulators cannot produce on demand (throttling, 5xx), injected with
 * aws-sdk-client-mock: they must reach the API as StorageUnavailableError (503), with the
 * SDK error kept as `cause`, while client errors keep their meaning.
 */

const tenantId = newId.tenant();

function throttled() {
  return new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded.',
    $metadata: { httpStatusCode: 400 },
  });
}

function dynamoServerError(status: number, name: string) {
  return new DynamoDBServiceException({ name, $fault: 'server', $metadata: { httpStatusCode: status }, message: name });
}

function s3Error(status: number, name: string, fault: 'client' | 'server') {
  return new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message: name });
}

function networkError(code: string) {
  return Object.assign(new Error(`socket failure ${code}`), { code });
}

/** A port nobody listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('DynamoDbCatalogueStore under storage faults', () => {
  const { documentClient } = createDynamoDbClients({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1' });
  const dynamo = mockClient(documentClient);
  const store = new DynamoDbCatalogueStore({ client: documentClient, tableName: 'catalogue' });
  afterEach(() => dynamo.reset());

  it('maps throttling (ProvisionedThroughputExceededException) to StorageUnavailableError', async () => {
    const cause = throttled();
    dynamo.on(GetCommand).rejects(cause);

    const failure = await store.get(tenantId, 'entity', newId.entity()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as StorageUnavailableError).status).toBe(503);
    expect((failure as Error).cause).toBe(cause);
  });

  it('maps 5xx and ThrottlingException on every kind of call', async () => {
    const entity = entityRecord(tenantId);
    dynamo.on(PutCommand).rejects(dynamoServerError(503, 'ServiceUnavailable'));
    dynamo.on(QueryCommand).rejects(dynamoServerError(400, 'ThrottlingException'));
    dynamo.on(DeleteCommand).rejects(dynamoServerError(500, 'InternalServerError'));

    await expect(store.create(tenantId, 'entity', entity.id, entity)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.replace(tenantId, 'entity', entity.id, { ...entity, version: 2 }, 1)).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    await expect(store.list(tenantId, 'entity')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.delete(tenantId, 'entity', entity.id)).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.claimUnique(tenantId, 'mac', '52:54:00:00:00:01', 'mc_1')).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
    await expect(store.releaseUnique(tenantId, 'mac', '52:54:00:00:00:01', 'mc_1')).rejects.toBeInstanceOf(
      StorageUnavailableError,
    );
  });

  it('maps socket failures (ECONNRESET) to StorageUnavailableError', async () => {
    dynamo.on(GetCommand).rejects(networkError('ECONNRESET'));
    await expect(store.get(tenantId, 'entity', newId.entity())).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('maps a failed conditional write to a conflict, not to unavailability', async () => {
    const entity = entityRecord(tenantId);
    dynamo
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: { httpStatusCode: 400 } }));
    await expect(store.create(tenantId, 'entity', entity.id, entity)).rejects.toBeInstanceOf(RecordExistsError);
  });

  it('lets client errors (ValidationException) through unchanged', async () => {
    const cause = new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'One or more parameter values were invalid',
    });
    dynamo.on(GetCommand).rejects(cause);
    await expect(store.get(tenantId, 'entity', newId.entity())).rejects.toBe(cause);
  });

  it('reports an unreachable endpoint as StorageUnavailableError', async () => {
    const port = await closedPort();
    const { documentClient: unreachable } = createDynamoDbClients({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
    });
    const offline = new DynamoDbCatalogueStore({ client: unreachable, tableName: 'catalogue' });
    await expect(offline.get(tenantId, 'entity', newId.entity())).rejects.toBeInstanceOf(StorageUnavailableError);
    unreachable.destroy();
  });
});

describe('S3ObjectArchive under storage faults', () => {
  const client = createS3Client({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1' });
  const s3 = mockClient(client);
  const archive = new S3ObjectArchive({ client, bucket: 'masters' });
  afterEach(() => s3.reset());

  it('maps 503 SlowDown and 500 InternalError to StorageUnavailableError, keeping the cause', async () => {
    const cause = s3Error(503, 'SlowDown', 'server');
    s3.on(GetObjectCommand).rejects(cause);
    s3.on(PutObjectCommand).rejects(s3Error(500, 'InternalError', 'server'));
    s3.on(HeadObjectCommand).rejects(s3Error(503, 'ServiceUnavailable', 'server'));

    const failure = await archive.get(tenantId, 'masters/m.json').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as Error).cause).toBe(cause);
    await expect(archive.put(tenantId, 'masters/m.json', '{}')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(archive.head(tenantId, 'masters/m.json')).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(archive.getRange(tenantId, 'masters/m.json', 0, 9)).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('maps a failure in the middle of a listing', async () => {
    const firstPage = {
      Contents: [{ Key: `tenants/${tenantId}/a`, Size: 1 }],
      IsTruncated: true,
      NextContinuationToken: 't',
    };
    s3.on(ListObjectsV2Command).resolvesOnce(firstPage).rejects(s3Error(503, 'SlowDown', 'server'));

    const seen: string[] = [];
    const listing = (async () => {
      for await (const object of archive.list(tenantId, '')) seen.push(object.key);
    })();
    await expect(listing).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(seen).toEqual(['a']);
  });

  it('lets client errors (AccessDenied) through unchanged', async () => {
    const cause = s3Error(403, 'AccessDenied', 'client');
    s3.on(GetObjectCommand).rejects(cause);
    await expect(archive.get(tenantId, 'x')).rejects.toBe(cause);
  });

  it('reports an unreachable endpoint as StorageUnavailableError', async () => {
    const port = await closedPort();
    const unreachable = createS3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'eu-west-1' });
    const offline = new S3ObjectArchive({ client: unreachable, bucket: 'masters' });
    await expect(offline.head(tenantId, 'x')).rejects.toBeInstanceOf(StorageUnavailableError);
    unreachable.destroy();
  });
});

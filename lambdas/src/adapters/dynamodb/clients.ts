import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbClientOptions {
  /** Set only for an emulator (dynalite); the cloud uses the regional endpoint. */
  endpoint?: string;
  region: string;
}

export interface DynamoDbClients {
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
}

/**
 * The low-level client (table admin) and the document client (records as plain objects).
 * An explicit endpoint means an emulator: it gets dummy credentials, so a developer's
 * real AWS credentials are never looked up, let alone used to sign local requests.
 */
export function createDynamoDbClients(options: DynamoDbClientOptions): DynamoDbClients {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint === undefined
      ? {}
      : { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      // Optional fields left undefined by zod are simply absent from the stored map.
      removeUndefinedValues: true,
      // Records are plain JSON; a class instance (a Date) slipping in is a bug to surface.
      convertClassInstanceToMap: false,
    },
  });
  return { client, documentClient };
}

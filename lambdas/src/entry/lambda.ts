import { IoTClient } from '@aws-sdk/client-iot';
import { handle } from 'hono/aws-lambda';
import { createDynamoDbClients } from '../adapters/dynamodb/clients';
import { DynamoDbCatalogueStore } from '../adapters/dynamodb/dynamodb-catalogue-store';
import { IotCommandPublisher, createIotDataClient } from '../adapters/iot/iot-command-publisher';
import { IotMqttIdentities } from '../adapters/iot/iot-mqtt-identities';
import { createS3Client } from '../adapters/s3/clients';
import { S3ObjectArchive } from '../adapters/s3/s3-object-archive';
import { createApp } from '../app/create-app';
import type { AppDeps } from '../app/deps';
import { newId } from '../app/ids';
import { CognitoTokens, cognitoIssuerUrl } from '../auth/cognito-tokens';
import { readLambdaConfig } from './lambda-config';

/**
 * API Gateway (HTTP API, payload v2) → the same Hono app the local host serves. Built once
 * per container, outside the handler, so warm invocations reuse clients and the JWKS cache.
 */
export function createLambdaDeps(env: NodeJS.ProcessEnv = process.env): AppDeps {
  const config = readLambdaConfig(env);
  const { documentClient } = createDynamoDbClients({ region: config.region, endpoint: config.dynamoDbEndpoint });
  return {
    store: new DynamoDbCatalogueStore({ client: documentClient, tableName: config.tableName }),
    archive: new S3ObjectArchive({ client: createS3Client({ region: config.region, endpoint: config.s3Endpoint }), bucket: config.mastersBucket }),
    tokens: new CognitoTokens(config.cognitoIssuer ?? cognitoIssuerUrl(config.region, config.cognitoUserPoolId), config.cognitoClientId),
    clock: () => new Date(),
    newId,
    version: config.version,
    // Enrolment issues an IoT thing + certificate; revoking or deleting an imaging server retires them.
    mqttIdentities: new IotMqttIdentities({
      client: new IoTClient({ region: config.region }),
      dataEndpoint: config.iotDataEndpoint,
      policyName: config.iotPolicyName,
    }),
    edgeCommands: new IotCommandPublisher(createIotDataClient({ region: config.region, dataEndpoint: config.iotDataEndpoint })),
  };
}

export const handler = handle(createApp(createLambdaDeps()));

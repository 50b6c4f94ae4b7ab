import { createDynamoDbClients } from '../adapters/dynamodb/clients';
import { DynamoDbCatalogueStore } from '../adapters/dynamodb/dynamodb-catalogue-store';
import type { EdgeMessageDeps } from '../telemetry/edge-message-handler';
import { createIotRuleHandler } from '../telemetry/iot-rule-handler';
import { readIotRuleConfig } from './lambda-config';

/** Dependencies from the environment CDK sets; built once per container. */
export function createIotRuleDeps(env: NodeJS.ProcessEnv = process.env): EdgeMessageDeps {
  const config = readIotRuleConfig(env);
  const { documentClient } = createDynamoDbClients({ region: config.region, endpoint: config.dynamoDbEndpoint });
  return {
    store: new DynamoDbCatalogueStore({ client: documentClient, tableName: config.tableName }),
    clock: () => new Date(),
  };
}

/**
 * IoT Core topic rules (one per upward channel, infra/lib/constructs/edge-link.ts) → this
 * function, invoked asynchronously → the same edge-message handler the local host calls from
 * its aedes subscription. Built once per container, outside the handler.
 */
export const handler = createIotRuleHandler(createIotRuleDeps());

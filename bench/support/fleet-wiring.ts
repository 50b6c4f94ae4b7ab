import type { Aedes } from 'aedes';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EdgeMessageDeps } from '../../lambdas/src/telemetry/edge-message-handler';
import { EdgeSubscription } from '../../lambdas/src/local/broker/edge-subscription';
import { wallMs, type FleetMeter } from './fleet-meter';

/**
 * The host's subscription to every edge — the local host's own EdgeSubscription — with a
 * stopwatch on each message (the envelope is parsed again for the meter after the clock stopped).
 */
export async function subscribeToEdgesTimed(broker: Aedes, deps: EdgeMessageDeps, meter: FleetMeter): Promise<EdgeSubscription> {
  const subscription = new EdgeSubscription(deps, {
    onHandled: ({ channel, payload, outcome, receivedAt, startedAt, doneAt }) =>
      meter.handled({ channel, outcome, ...envelope(payload), receivedAt, startedAt, doneAt }),
  });
  await subscription.subscribe(broker);
  return subscription;
}

function envelope(payload: Buffer): { id: string | undefined; sentAt: string | undefined } {
  try {
    const json = JSON.parse(payload.toString('utf8')) as { id?: unknown; sentAt?: unknown };
    return { id: typeof json.id === 'string' ? json.id : undefined, sentAt: typeof json.sentAt === 'string' ? json.sentAt : undefined };
  } catch {
    return { id: undefined, sentAt: undefined };
  }
}

/** Times every DynamoDB call the store makes (by command: GetCommand, PutCommand, …). */
export function timeDynamoCalls(client: DynamoDBDocumentClient, meter: FleetMeter): void {
  const send = client.send.bind(client) as (command: object, ...rest: unknown[]) => Promise<unknown>;
  (client as unknown as { send: typeof send }).send = async (command, ...rest) => {
    const started = wallMs();
    try {
      return await send(command, ...rest);
    } finally {
      meter.dynamoCall(command.constructor.name, wallMs() - started);
    }
  };
}

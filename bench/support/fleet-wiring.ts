import type { Aedes } from 'aedes';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { cloudSubscription, edgeToCloudChannels } from '@marrow/shared';
import { handleEdgeMessage, type EdgeMessageDeps, type HandlingOutcome } from '../../lambdas/src/telemetry/edge-message-handler';
import { wallMs, type FleetMeter } from './fleet-meter';

/**
 * The host's subscription to every edge, with a stopwatch. This MIRRORS
 * lambdas/src/local/broker/broker-wiring.ts `subscribeToEdges` + `applyWithRetries` (as of
 * the telemetry commit e8077aa): the same topics, the same per-edge ordering chain, the same
 * retry policy, the same handleEdgeMessage — only with timestamps taken around each step,
 * which the original has no hook for. If broker-wiring.ts changes, change this copy too.
 */
export async function subscribeToEdgesTimed(broker: Aedes, deps: EdgeMessageDeps, meter: FleetMeter): Promise<{ busyEdges(): number }> {
  const chains = new Map<string, Promise<void>>();
  for (const channel of edgeToCloudChannels) {
    await new Promise<void>((resolve) =>
      broker.subscribe(
        cloudSubscription(channel),
        (packet, done) => {
          const receivedAt = wallMs();
          const payload = packet.payload as Buffer;
          // One edge's messages are applied in the order it sent them; edges run in parallel.
          const key = packet.topic.split('/').slice(0, 3).join('/');
          const previous = chains.get(key) ?? Promise.resolve();
          const next = previous.then(async () => {
            const startedAt = wallMs();
            const outcome = await applyWithRetries(deps, packet.topic, payload);
            const doneAt = wallMs();
            // Parsed again only for the meter, after the clock stopped.
            const { id, sentAt } = envelope(payload);
            meter.handled({ channel, outcome, id, sentAt, receivedAt, startedAt, doneAt });
          });
          chains.set(key, next);
          void next.finally(() => chains.get(key) === next && chains.delete(key));
          done();
        },
        () => resolve(),
      ),
    );
  }
  return { busyEdges: () => chains.size };
}

/** As broker-wiring.ts: the broker acknowledged the message already, so retry with backoff. */
async function applyWithRetries(deps: EdgeMessageDeps, topic: string, payload: Buffer): Promise<HandlingOutcome | 'failed'> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await handleEdgeMessage(deps, topic, payload);
    } catch (error) {
      if (attempt >= 6) {
        console.error(JSON.stringify({ level: 'error', message: 'edge message failed', topic, error: String(error) }));
        return 'failed';
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
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

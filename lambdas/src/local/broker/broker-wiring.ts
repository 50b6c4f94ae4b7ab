import type { Aedes } from 'aedes';
import { cloudSubscription, edgeToCloudChannels, edgeTopic } from '@marrow/shared';
import type { EdgeCommandPublisher } from '../../ports/edge-command-publisher';
import type { EdgeMqttIdentities } from '../../ports/edge-mqtt-identities';
import { handleEdgeMessage, type EdgeMessageDeps } from '../../telemetry/edge-message-handler';
import { disconnectEdge } from './broker-access';

/** Commands go out through the in-process broker (QoS 1: queued for edges with a persistent session). */
export function aedesCommandPublisher(broker: Aedes): EdgeCommandPublisher {
  return {
    publish: (tenantId, imagingServerId, command) =>
      new Promise((resolve, reject) =>
        broker.publish(
          { cmd: 'publish', topic: edgeTopic(tenantId, imagingServerId, 'commands'), payload: Buffer.from(JSON.stringify(command)), qos: 1, retain: false, dup: false },
          (error) => (error ? reject(error) : resolve()),
        ),
      ),
  };
}

/** Locally an edge's MQTT identity is its imaging server id and credential, checked by the broker. */
export function localMqttIdentities(broker: Aedes, mqttUrl: () => string): EdgeMqttIdentities {
  return {
    issue: async (_tenantId, imagingServerId, credential) => ({
      url: mqttUrl(),
      clientId: imagingServerId,
      username: imagingServerId,
      password: credential,
    }),
    revoke: async (_tenantId, imagingServerId) => disconnectEdge(broker as unknown as { clients: Record<string, { close(): void }> }, imagingServerId),
  };
}

/**
 * The local twin of IoT Core's topic rules: the host subscribes to every edge's upward
 * channels and calls the same handler the rules' Lambda calls in the cloud.
 */
export async function subscribeToEdges(broker: Aedes, deps: EdgeMessageDeps): Promise<void> {
  const chains = new Map<string, Promise<void>>();
  for (const channel of edgeToCloudChannels) {
    await new Promise<void>((resolve) =>
      broker.subscribe(
        cloudSubscription(channel),
        (packet, done) => {
          // One edge's messages are applied in the order it sent them (MQTT keeps per-topic
          // order); different edges proceed in parallel.
          const key = packet.topic.split('/').slice(0, 3).join('/');
          const previous = chains.get(key) ?? Promise.resolve();
          const next = previous.then(() => applyWithRetries(deps, packet.topic, packet.payload as Buffer));
          chains.set(key, next);
          void next.finally(() => chains.get(key) === next && chains.delete(key));
          done();
        },
        () => resolve(),
      ),
    );
  }
}

/**
 * The broker has acknowledged the message to the edge already, so a storage hiccup must not
 * lose it: retry with backoff (each message id is applied once, so retrying is safe), like
 * the retry policy of an IoT rule's Lambda action.
 */
async function applyWithRetries(deps: EdgeMessageDeps, topic: string, payload: Buffer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await handleEdgeMessage(deps, topic, payload);
      return;
    } catch (error) {
      if (attempt >= 6) {
        console.error(JSON.stringify({ level: 'error', message: 'edge message failed', topic, error: String(error) }));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

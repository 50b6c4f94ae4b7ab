import type { Aedes } from 'aedes';
import { edgeTopic } from '@marrow/shared';
import type { EdgeCommandPublisher } from '../../ports/edge-command-publisher';
import type { EdgeMqttIdentities } from '../../ports/edge-mqtt-identities';
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

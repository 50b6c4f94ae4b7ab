import type { AedesOptions, Client } from 'aedes';
import { edgeToCloudChannels, edgeTopic, parseEdgeTopic, type EdgeToCloudChannel } from '@marrow/shared';
import { verifyEdgeCredential, type EdgePrincipal } from '../../catalogue/enrolment';
import type { CatalogueStore } from '../../ports/catalogue-store';

/** The edge a connected client was authenticated as. */
const principals = new WeakMap<Client, EdgePrincipal>();

/**
 * The local broker's access rules, the twin of the IoT policy in the cloud: an edge
 * connects with its imaging server id as client id and username and its credential as
 * password; it may publish only to its own upward channels and subscribe only to its own
 * commands. Revoked or unknown edges cannot connect.
 */
export function brokerAccess(store: CatalogueStore): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
  return {
    authenticate: (client, username, password, done) => {
      const credential = password ? Buffer.from(password).toString('utf8') : '';
      verifyEdgeCredential(store, credential).then(
        (edge) => {
          if (username !== edge.imagingServerId || client.id !== edge.imagingServerId) {
            done(refusal('the client id and username must be the imaging server id', 2), false);
            return;
          }
          principals.set(client, edge);
          done(null, true);
        },
        () => done(refusal('bad credential, or the imaging server was revoked', 4), false),
      );
    },
    authorizePublish: (client, packet, done) => {
      // Messages the host publishes itself (commands) have no client.
      if (!client) return done(null);
      const edge = principals.get(client);
      const topic = parseEdgeTopic(packet.topic);
      const allowed =
        edge &&
        topic &&
        topic.tenantId === edge.tenantId &&
        topic.imagingServerId === edge.imagingServerId &&
        edgeToCloudChannels.includes(topic.channel as EdgeToCloudChannel);
      done(allowed ? null : new Error(`publishing to ${packet.topic} is not allowed`));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const edge = client ? principals.get(client) : undefined;
      const own = edge ? edgeTopic(edge.tenantId, edge.imagingServerId, 'commands') : undefined;
      // A refused subscription is answered with SUBACK 0x80, as IoT Core does.
      done(null, own && subscription.topic === own ? subscription : null);
    },
  };
}

/** Disconnects a revoked edge at once (its next connection is refused by authenticate). */
export function disconnectEdge(broker: { clients: Record<string, { close(): void }> }, imagingServerId: string): void {
  broker.clients[imagingServerId]?.close();
}

function refusal(message: string, returnCode: number): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

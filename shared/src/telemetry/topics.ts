/**
 * MQTT topics between the cloud and the edges. Every topic starts with the tenant and the
 * imaging server, so a broker policy bound to an edge's identity can allow exactly its own
 * subtree (IoT Core: `${iot:Connection.Thing.ThingName}`; locally: aedes' authorize hooks).
 *
 *   marrow/{tenantId}/{imagingServerId}/health    edge → cloud  health report (QoS 1)
 *   marrow/{tenantId}/{imagingServerId}/presence  edge → cloud  online on connect, offline as last will (QoS 1, retained)
 *   marrow/{tenantId}/{imagingServerId}/events    edge → cloud  task progress and results, from the edge's outbox (QoS 1)
 *   marrow/{tenantId}/{imagingServerId}/acks      edge → cloud  command acknowledgements (QoS 1)
 *   marrow/{tenantId}/{imagingServerId}/commands  cloud → edge  commands and notices (QoS 1, persistent session)
 */
export const TOPIC_ROOT = 'marrow';

export const edgeToCloudChannels = ['health', 'presence', 'events', 'acks'] as const;
export const cloudToEdgeChannels = ['commands'] as const;
export type EdgeToCloudChannel = (typeof edgeToCloudChannels)[number];
export type CloudToEdgeChannel = (typeof cloudToEdgeChannels)[number];
export type Channel = EdgeToCloudChannel | CloudToEdgeChannel;

export function edgeTopic(tenantId: string, imagingServerId: string, channel: Channel): string {
  return `${TOPIC_ROOT}/${tenantId}/${imagingServerId}/${channel}`;
}

export interface ParsedTopic {
  tenantId: string;
  imagingServerId: string;
  channel: Channel;
}

/** Parses a topic of ours; undefined for anything else (including wildcards). */
export function parseEdgeTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== TOPIC_ROOT) return undefined;
  const [, tenantId, imagingServerId, channel] = parts as [string, string, string, string];
  if (!/^tn_[0-9A-Z]{26}$/.test(tenantId) || !/^is_[0-9A-Z]{26}$/.test(imagingServerId)) return undefined;
  if (![...edgeToCloudChannels, ...cloudToEdgeChannels].includes(channel as Channel)) return undefined;
  return { tenantId, imagingServerId, channel: channel as Channel };
}

/** Subscription of the control plane to every edge's upward channel (`+` matches one level). */
export function cloudSubscription(channel: EdgeToCloudChannel): string {
  return `${TOPIC_ROOT}/+/+/${channel}`;
}

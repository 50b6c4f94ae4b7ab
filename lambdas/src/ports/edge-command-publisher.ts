import type { Command } from '@marrow/shared';

/**
 * Sends a command to one imaging server over MQTT (QoS 1, to its `commands` topic). Locally
 * aedes; in the cloud IoT Core's data plane. Delivery is at least once; the edge applies
 * each command id once.
 */
export interface EdgeCommandPublisher {
  publish(tenantId: string, imagingServerId: string, command: Command): Promise<void>;
}

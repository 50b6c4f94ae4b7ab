import type { MqttIdentityContract } from '@marrow/shared';

/** How an enrolled edge connects to the MQTT broker (the enrolment contract in shared/). */
export type MqttIdentity = MqttIdentityContract;

/**
 * Gives an enrolling edge its MQTT identity and takes it away when the imaging server is
 * revoked or deleted. Locally the broker checks the edge credential itself; in the cloud this
 * creates an IoT thing with its own certificate and policy.
 */
export interface EdgeMqttIdentities {
  issue(tenantId: string, imagingServerId: string, credential: string): Promise<MqttIdentity>;
  revoke(tenantId: string, imagingServerId: string): Promise<void>;
}

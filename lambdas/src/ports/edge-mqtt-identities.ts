/** How an enrolled edge connects to the MQTT broker. */
export interface MqttIdentity {
  url: string;
  /** IoT Core binds the policy to the client id (the thing name): the imaging server id. */
  clientId: string;
  /** Local broker: the imaging server id and its credential. */
  username?: string;
  password?: string;
  /** IoT Core: the thing's X.509 certificate and private key (PEM), issued once at enrolment. */
  certificatePem?: string;
  privateKey?: string;
}

/**
 * Gives an enrolling edge its MQTT identity and takes it away when the imaging server is
 * revoked or deleted. Locally the broker checks the edge credential itself; in the cloud this
 * creates an IoT thing with its own certificate and policy.
 */
export interface EdgeMqttIdentities {
  issue(tenantId: string, imagingServerId: string, credential: string): Promise<MqttIdentity>;
  revoke(tenantId: string, imagingServerId: string): Promise<void>;
}

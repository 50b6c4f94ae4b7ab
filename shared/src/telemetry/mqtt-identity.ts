import { z } from 'zod';

/**
 * How an enrolled edge connects to the MQTT broker, as `POST /v1/edge/enroll` answers it
 * (since contract v1): locally its imaging server id and credential; with IoT Core its thing
 * name as client id and its own X.509 certificate and key.
 */
export const mqttIdentitySchema = z.object({
  url: z.string(),
  clientId: z.string(),
  username: z.string().optional(),
  password: z.string().optional(),
  certificatePem: z.string().optional(),
  privateKey: z.string().optional(),
});
export type MqttIdentityContract = z.infer<typeof mqttIdentitySchema>;

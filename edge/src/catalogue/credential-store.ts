import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { mqttIdentitySchema } from '@marrow/shared';
import { writeFileAtomic } from './atomic-file';

/** What `marrow-edge enroll` stores: who this edge is and how it talks to the control plane. */
export const edgeIdentitySchema = z.object({
  controlPlaneUrl: z.url(),
  credential: z.string().startsWith('mse1.'),
  tenantId: z.string(),
  imagingServerId: z.string(),
  entityId: z.string(),
  name: z.string(),
  enrolledAt: z.string(),
  /** How to reach the MQTT broker (telemetry and commands); absent if the control plane has none. */
  mqtt: mqttIdentitySchema.optional(),
});
export type EdgeIdentity = z.infer<typeof edgeIdentitySchema>;

/** Written 0600: the credential is this appliance's password. */
export async function saveIdentity(file: string, identity: EdgeIdentity): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(identity, null, 2)}\n`, 0o600);
  await chmod(file, 0o600);
}

export async function loadIdentity(file: string): Promise<EdgeIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return edgeIdentitySchema.parse(JSON.parse(text));
}

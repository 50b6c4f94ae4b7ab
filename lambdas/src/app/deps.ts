import type { IdKind } from '@marrow/shared';
import type { TokenIssuer, TokenVerifier } from '../auth/token-verifier';
import type { CatalogueStore } from '../ports/catalogue-store';
import type { ObjectArchive } from '../ports/object-archive';
import type { EdgeCommandPublisher } from '../ports/edge-command-publisher';
import type { EdgeMqttIdentities } from '../ports/edge-mqtt-identities';

/**
 * Everything the control plane app needs, injected by its host (the Lambda entry or the
 * local host). Nothing in app/ reads the environment or creates clients itself.
 */
export interface AppDeps {
  store: CatalogueStore;
  archive: ObjectArchive;
  tokens: TokenVerifier;
  /** Present only where Marrow signs users in itself (the local host); Cognito does it in the cloud. */
  passwordSignIn?: TokenIssuer;
  clock: () => Date;
  newId: (kind: IdKind) => string;
  /** Where commands and notices to imaging servers go (MQTT); absent where no broker is wired. */
  edgeCommands?: EdgeCommandPublisher;
  /** MQTT identities of enrolled edges; absent where no broker is wired. */
  mqttIdentities?: EdgeMqttIdentities;
  /** The software version reported by /v1/health. */
  version: string;
}

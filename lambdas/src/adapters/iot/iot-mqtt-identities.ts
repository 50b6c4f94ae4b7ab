import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
  type IoTClient,
} from '@aws-sdk/client-iot';
import { MarrowError } from '../../errors/marrow-error';
import type { EdgeMqttIdentities, MqttIdentity } from '../../ports/edge-mqtt-identities';
import { awsErrorName, translateTransientError } from '../aws-errors';
import { IOT_MQTTS_PORT, TENANT_ATTRIBUTE } from './edge-thing';

export interface IotMqttIdentitiesOptions {
  client: IoTClient;
  /** The account's `iot:Data-ATS` endpoint host (DescribeEndpoint), without scheme or port. */
  dataEndpoint: string;
  /** The one IoT policy every edge certificate gets (it uses thing policy variables). */
  policyName: string;
  /**
   * DeleteThing right after DetachThingPrincipal may fail with "still attached": detaching
   * propagates asynchronously. Attempts and the pause before each retry (doubling).
   */
  deleteThingAttempts?: number;
  deleteThingRetryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Structured warnings (default: one JSON line on stderr, as the Lambda logs elsewhere). */
  warn?: (entry: Record<string, unknown>) => void;
}

/**
 * Edge MQTT identities on IoT Core: one thing per imaging server (thing name = imaging server
 * id = MQTT client id), holding one active X.509 certificate with the shared policy attached.
 *
 * IoT Core resolves `${iot:Connection.Thing.ThingName}` only for a certificate attached to the
 * thing, and the policy allows connecting only with that name as client id: the certificate
 * alone decides which subtree of topics an edge may use.
 */
export class IotMqttIdentities implements EdgeMqttIdentities {
  private readonly client: IoTClient;
  private readonly deleteThingAttempts: number;
  private readonly deleteThingRetryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly warn: (entry: Record<string, unknown>) => void;

  constructor(private readonly options: IotMqttIdentitiesOptions) {
    this.client = options.client;
    this.deleteThingAttempts = options.deleteThingAttempts ?? 4;
    this.deleteThingRetryDelayMs = options.deleteThingRetryDelayMs ?? 250;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.warn = options.warn ?? ((entry) => console.warn(JSON.stringify({ level: 'warn', ...entry })));
  }

  /**
   * Creates (or reuses) the thing, retires any certificate it held before (a new enrolment
   * replaces the appliance's credential, for MQTT as for the API), then issues a new key pair
   * and certificate. The private key is returned once and kept nowhere in the cloud.
   */
  async issue(tenantId: string, imagingServerId: string, _credential: string): Promise<MqttIdentity> {
    const thingName = imagingServerId;
    await this.ensureThing(tenantId, thingName);
    await this.retirePrincipals(thingName);
    const created = await this.call('CreateKeysAndCertificate', thingName, () =>
      this.client.send(new CreateKeysAndCertificateCommand({ setAsActive: true })),
    );
    const { certificateArn, certificateId, certificatePem } = created;
    const privateKey = created.keyPair?.PrivateKey;
    if (!certificateArn || !certificateId || !certificatePem || !privateKey) {
      throw new MarrowError(`IoT Core returned an incomplete certificate for imaging server ${thingName}`);
    }
    try {
      await this.call('AttachPolicy', thingName, () =>
        this.client.send(new AttachPolicyCommand({ policyName: this.options.policyName, target: certificateArn })),
      );
      await this.call('AttachThingPrincipal', thingName, () =>
        this.client.send(
          // Exclusive: the certificate can never be attached to (and act as) another thing.
          new AttachThingPrincipalCommand({ thingName, principal: certificateArn, thingPrincipalType: 'EXCLUSIVE_THING' }),
        ),
      );
    } catch (error) {
      // Not handed out: make sure the half-set-up certificate can never connect.
      await this.retireCertificate(thingName, certificateArn).catch(() => undefined);
      throw error;
    }
    return { url: `mqtts://${this.options.dataEndpoint}:${IOT_MQTTS_PORT}`, clientId: thingName, certificatePem, privateKey };
  }

  /**
   * Cuts the edge off: every certificate of its thing is deactivated first (IoT Core refuses
   * it from then on, and drops its open connection within a few minutes), then detached from
   * the policy and the thing, and the thing is deleted. Safe to repeat; a thing that is gone
   * is not an error. Restoring the imaging server later needs a new enrolment (a new
   * certificate): a retired one is never reactivated.
   */
  async revoke(_tenantId: string, imagingServerId: string): Promise<void> {
    const thingName = imagingServerId;
    const retired = await this.retirePrincipals(thingName);
    if (retired === undefined) return; // no such thing
    await this.deleteThing(thingName);
  }

  private async ensureThing(tenantId: string, thingName: string): Promise<void> {
    const attributes = { [TENANT_ATTRIBUTE]: tenantId };
    try {
      // Idempotent for the same name and attributes.
      await this.client.send(new CreateThingCommand({ thingName, attributePayload: { attributes } }));
      return;
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceAlreadyExistsException') throw this.failure('CreateThing', thingName, error);
    }
    // Same name, other attributes: reuse it only if it belongs to this tenant. A thing is never
    // moved between tenants, since its tenant attribute is what the policy trusts.
    const existing = await this.call('DescribeThing', thingName, () => this.client.send(new DescribeThingCommand({ thingName })));
    if (existing.attributes?.[TENANT_ATTRIBUTE] !== tenantId) {
      throw new MarrowError(`IoT thing ${thingName} exists for another tenant; refusing to reuse it`);
    }
  }

  /** Retires every principal of the thing; undefined when the thing does not exist. */
  private async retirePrincipals(thingName: string): Promise<string[] | undefined> {
    const principals: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListThingPrincipalsCommand({ thingName, ...(nextToken ? { nextToken } : {}) }));
        principals.push(...(page.principals ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw this.failure('ListThingPrincipals', thingName, error);
    }
    for (const principal of principals) await this.retireCertificate(thingName, principal);
    return principals;
  }

  /** Deactivate first (that is what cuts access), then detach; each step tolerates "already gone". */
  private async retireCertificate(thingName: string, principal: string): Promise<void> {
    const certificateId = certificateIdOf(principal);
    if (certificateId) {
      await this.tolerateMissing('UpdateCertificate', thingName, () =>
        this.client.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' })),
      );
      await this.tolerateMissing('DetachPolicy', thingName, () =>
        this.client.send(new DetachPolicyCommand({ policyName: this.options.policyName, target: principal })),
      );
    }
    await this.tolerateMissing('DetachThingPrincipal', thingName, () =>
      this.client.send(new DetachThingPrincipalCommand({ thingName, principal })),
    );
  }

  private async deleteThing(thingName: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new DeleteThingCommand({ thingName }));
        return;
      } catch (error) {
        const name = awsErrorName(error);
        if (name === 'ResourceNotFoundException') return;
        // "Cannot delete. Thing … is still attached to one or more principals": the detach
        // has not propagated yet.
        if (name !== 'InvalidRequestException') throw this.failure('DeleteThing', thingName, error);
        if (attempt >= this.deleteThingAttempts) {
          // Access is already cut (certificates inactive and detached); an empty thing left
          // behind grants nothing and is reused if the imaging server enrols again.
          this.warn({ message: 'IoT thing not deleted: principals still detaching', thingName });
          return;
        }
        await this.sleep(this.deleteThingRetryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  private async tolerateMissing(operation: string, thingName: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw this.failure(operation, thingName, error);
    }
  }

  private async call<T>(operation: string, thingName: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.failure(operation, thingName, error);
    }
  }

  /** Throttling, 5xx and network errors become StorageUnavailableError (503); the rest a MarrowError (500). */
  private failure(operation: string, thingName: string, error: unknown): unknown {
    if (error instanceof MarrowError) return error;
    const translated = translateTransientError(error, `IoT ${operation}`);
    if (translated !== error) return translated;
    return new MarrowError(`IoT ${operation} failed for imaging server ${thingName}`, { cause: error });
  }
}

/** `arn:aws:iot:eu-west-1:123456789012:cert/<id>` → `<id>`; undefined for other principals (Cognito ids). */
export function certificateIdOf(principal: string): string | undefined {
  const match = /^arn:[^:]+:iot:[^:]*:[^:]*:cert\/([0-9a-f]{64})$/.exec(principal);
  return match?.[1];
}

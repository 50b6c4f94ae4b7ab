import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  IoTClient,
  IoTServiceException,
  ListThingPrincipalsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MarrowError, StorageUnavailableError } from '../../errors/marrow-error';
import { IotMqttIdentities, certificateIdOf } from './iot-mqtt-identities';

/**
 * IoT Core's control plane has no local emulator: the adapter is checked against
 * aws-sdk-client-mock, asserting the exact calls (and their order) it makes.
 */

const tenantId = 'tn_01JZ0000000000000000000000';
const imagingServerId = 'is_01JZ0000000000000000000001';
const policyName = 'MarrowEdgePolicy';
const dataEndpoint = 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com';
const certId = (n: number) => String(n).repeat(64).slice(0, 64).replace(/[^0-9]/g, 'a');
const certArn = (n: number) => `arn:aws:iot:eu-west-1:123456789012:cert/${certId(n)}`;

const client = new IoTClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const iot = mockClient(client);
afterEach(() => iot.reset());

function identities(options: { deleteThingAttempts?: number } = {}) {
  const sleeps: number[] = [];
  const warnings: Record<string, unknown>[] = [];
  const adapter = new IotMqttIdentities({
    client,
    dataEndpoint,
    policyName,
    deleteThingRetryDelayMs: 10,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    warn: (entry) => warnings.push(entry),
    ...options,
  });
  return { adapter, sleeps, warnings };
}

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 404 } });

function issuedCertificate(n: number) {
  iot.on(CreateKeysAndCertificateCommand).resolves({
    certificateArn: certArn(n),
    certificateId: certId(n),
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    keyPair: { PublicKey: 'public', PrivateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n' },
  });
}

/** The mocked calls in order, as [command name, input]. */
function calls() {
  return iot.calls().map((call) => [call.args[0].constructor.name, call.args[0].input] as const);
}

describe('IotMqttIdentities.issue', () => {
  it('creates the thing with its tenant, a new active certificate, attaches the shared policy and the thing', async () => {
    iot.on(CreateThingCommand).resolves({ thingName: imagingServerId });
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
    issuedCertificate(1);
    const { adapter } = identities();

    const identity = await adapter.issue(tenantId, imagingServerId, 'edge-credential');

    expect(identity).toEqual({
      url: `mqtts://${dataEndpoint}:8883`,
      clientId: imagingServerId,
      certificatePem: expect.stringContaining('BEGIN CERTIFICATE'),
      privateKey: expect.stringContaining('PRIVATE KEY'),
    });
    expect(identity.username).toBeUndefined();
    expect(identity.password).toBeUndefined();
    expect(calls()).toEqual([
      ['CreateThingCommand', { thingName: imagingServerId, attributePayload: { attributes: { tenantId } } }],
      ['ListThingPrincipalsCommand', { thingName: imagingServerId }],
      ['CreateKeysAndCertificateCommand', { setAsActive: true }],
      ['AttachPolicyCommand', { policyName, target: certArn(1) }],
      ['AttachThingPrincipalCommand', { thingName: imagingServerId, principal: certArn(1), thingPrincipalType: 'EXCLUSIVE_THING' }],
    ]);
  });

  it('re-enrolment reuses the thing and retires the certificate it held before', async () => {
    iot.on(CreateThingCommand).resolves({ thingName: imagingServerId }); // same name and attributes: idempotent
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [certArn(1)] });
    issuedCertificate(2);
    const { adapter } = identities();

    await adapter.issue(tenantId, imagingServerId, 'edge-credential');

    expect(calls().map(([name]) => name)).toEqual([
      'CreateThingCommand',
      'ListThingPrincipalsCommand',
      'UpdateCertificateCommand',
      'DetachPolicyCommand',
      'DetachThingPrincipalCommand',
      'CreateKeysAndCertificateCommand',
      'AttachPolicyCommand',
      'AttachThingPrincipalCommand',
    ]);
    expect(iot.commandCalls(UpdateCertificateCommand)[0]!.args[0].input).toEqual({ certificateId: certId(1), newStatus: 'INACTIVE' });
    expect(iot.commandCalls(AttachThingPrincipalCommand)[0]!.args[0].input.principal).toBe(certArn(2));
  });

  it('reuses an existing thing of the same tenant whose other attributes differ', async () => {
    iot.on(CreateThingCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', resourceId: imagingServerId, resourceArn: 'arn', $metadata: {} }));
    iot.on(DescribeThingCommand).resolves({ thingName: imagingServerId, attributes: { tenantId, note: 'set by an operator' } });
    iot.on(ListThingPrincipalsCommand).resolves({});
    issuedCertificate(1);
    const { adapter } = identities();

    await expect(adapter.issue(tenantId, imagingServerId, 'c')).resolves.toMatchObject({ clientId: imagingServerId });
  });

  it('never takes over a thing bound to another tenant', async () => {
    iot.on(CreateThingCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', resourceId: imagingServerId, resourceArn: 'arn', $metadata: {} }));
    iot.on(DescribeThingCommand).resolves({ thingName: imagingServerId, attributes: { tenantId: 'tn_01JZ9999999999999999999999' } });
    const { adapter } = identities();

    await expect(adapter.issue(tenantId, imagingServerId, 'c')).rejects.toThrow(/another tenant/);
    expect(iot.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(0);
  });

  it('deactivates a new certificate it could not bind, and reports the failure', async () => {
    iot.on(CreateThingCommand).resolves({});
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
    issuedCertificate(3);
    const cause = new IoTServiceException({ name: 'InvalidRequestException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'bad' });
    iot.on(AttachThingPrincipalCommand).rejects(cause);
    const { adapter } = identities();

    const failure = await adapter.issue(tenantId, imagingServerId, 'c').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MarrowError);
    expect(failure).not.toBeInstanceOf(StorageUnavailableError);
    expect((failure as Error).cause).toBe(cause);
    expect(iot.commandCalls(UpdateCertificateCommand).map((c) => c.args[0].input)).toEqual([{ certificateId: certId(3), newStatus: 'INACTIVE' }]);
  });

  it('maps throttling to StorageUnavailableError (503), keeping the SDK error as cause', async () => {
    const cause = new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    iot.on(CreateThingCommand).rejects(cause);
    const { adapter } = identities();

    const failure = await adapter.issue(tenantId, imagingServerId, 'c').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageUnavailableError);
    expect((failure as StorageUnavailableError).status).toBe(503);
    expect((failure as Error).cause).toBe(cause);
  });
});

describe('IotMqttIdentities.revoke', () => {
  it('deactivates every certificate before detaching it, then deletes the thing', async () => {
    iot
      .on(ListThingPrincipalsCommand, { thingName: imagingServerId })
      .resolvesOnce({ principals: [certArn(1)], nextToken: 'page-2' })
      .resolvesOnce({ principals: [certArn(2)] });
    const { adapter } = identities();

    await adapter.revoke(tenantId, imagingServerId);

    expect(calls()).toEqual([
      ['ListThingPrincipalsCommand', { thingName: imagingServerId }],
      ['ListThingPrincipalsCommand', { thingName: imagingServerId, nextToken: 'page-2' }],
      ['UpdateCertificateCommand', { certificateId: certId(1), newStatus: 'INACTIVE' }],
      ['DetachPolicyCommand', { policyName, target: certArn(1) }],
      ['DetachThingPrincipalCommand', { thingName: imagingServerId, principal: certArn(1) }],
      ['UpdateCertificateCommand', { certificateId: certId(2), newStatus: 'INACTIVE' }],
      ['DetachPolicyCommand', { policyName, target: certArn(2) }],
      ['DetachThingPrincipalCommand', { thingName: imagingServerId, principal: certArn(2) }],
      ['DeleteThingCommand', { thingName: imagingServerId }],
    ]);
  });

  it('is a no-op for a thing that does not exist (never enrolled, or revoked already)', async () => {
    iot.on(ListThingPrincipalsCommand).rejects(notFound());
    const { adapter } = identities();

    await expect(adapter.revoke(tenantId, imagingServerId)).resolves.toBeUndefined();
    expect(calls().map(([name]) => name)).toEqual(['ListThingPrincipalsCommand']);
  });

  it('finishes a revocation interrupted half-way (certificate or thing already gone)', async () => {
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [certArn(1)] });
    iot.on(UpdateCertificateCommand).rejects(notFound());
    iot.on(DetachPolicyCommand).rejects(notFound());
    iot.on(DetachThingPrincipalCommand).rejects(notFound());
    iot.on(DeleteThingCommand).rejects(notFound());
    const { adapter } = identities();

    await expect(adapter.revoke(tenantId, imagingServerId)).resolves.toBeUndefined();
  });

  it('retries DeleteThing while the detach propagates, and gives up quietly once access is cut', async () => {
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [certArn(1)] });
    const stillAttached = () =>
      new InvalidRequestException({ message: `Cannot delete. Thing ${imagingServerId} is still attached to one or more principals`, $metadata: {} });
    iot.on(DeleteThingCommand).rejectsOnce(stillAttached()).resolves({});
    const first = identities();
    await first.adapter.revoke(tenantId, imagingServerId);
    expect(iot.commandCalls(DeleteThingCommand)).toHaveLength(2);
    expect(first.sleeps).toEqual([10]);
    expect(first.warnings).toEqual([]);

    iot.reset();
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [] });
    iot.on(DeleteThingCommand).rejects(stillAttached());
    const second = identities({ deleteThingAttempts: 3 });
    await expect(second.adapter.revoke(tenantId, imagingServerId)).resolves.toBeUndefined();
    expect(iot.commandCalls(DeleteThingCommand)).toHaveLength(3);
    expect(second.sleeps).toEqual([10, 20]);
    expect(second.warnings).toEqual([expect.objectContaining({ thingName: imagingServerId })]);
  });

  it('fails (so the API answers 503 and the admin retries) when the deactivation itself fails', async () => {
    iot.on(ListThingPrincipalsCommand).resolves({ principals: [certArn(1)] });
    iot.on(UpdateCertificateCommand).rejects(
      new IoTServiceException({ name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'down' }),
    );
    const { adapter } = identities();

    await expect(adapter.revoke(tenantId, imagingServerId)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(iot.commandCalls(DetachThingPrincipalCommand)).toHaveLength(0);
    expect(iot.commandCalls(DeleteThingCommand)).toHaveLength(0);
  });
});

describe('certificateIdOf', () => {
  it('takes the id out of a certificate ARN and ignores other principals', () => {
    expect(certificateIdOf(certArn(7))).toBe(certId(7));
    expect(certificateIdOf('eu-west-1:1234-cognito-identity')).toBeUndefined();
    expect(certificateIdOf('arn:aws:iot:eu-west-1:123456789012:cacert/abc')).toBeUndefined();
  });
});

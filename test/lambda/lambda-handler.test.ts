import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteThingCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../lambdas/src/adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client, ensureBucket } from '../../lambdas/src/adapters/s3/clients';
import { newId } from '../../lambdas/src/app/ids';
import { createTenant } from '../../lambdas/src/catalogue/tenants';
import { startDynalite, type RunningDynalite } from '../../lambdas/src/local/embedded/dynalite';
import { startS3rver, type RunningS3rver } from '../../lambdas/src/local/embedded/s3rver';

/**
 * The Lambda entry exactly as API Gateway (HTTP API, payload 2.0) calls it, against the
 * embedded DynamoDB and S3, with ID tokens signed like Cognito's and served from a local
 * JWKS endpoint.
 */
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

let handler: Handler;
let dynalite: RunningDynalite;
let s3rver: RunningS3rver;
let jwks: Server;
let dir: string;
let tenantId: string;
let sign: (claims: Record<string, unknown>) => Promise<string>;
const savedEnv = { ...process.env };
// IoT Core has no local twin for its control plane: every IoT client the entry creates is mocked.
const iot = mockClient(IoTClient);
const iotData = mockClient(IoTDataPlaneClient);
const iotDataEndpoint = 'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com';

function event(method: string, path: string, options: { token?: string; body?: unknown; query?: string } = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { 'content-type': 'application/json', host: 'api.example.test' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'req',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    isBase64Encoded: false,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-lambda-'));
  dynalite = await startDynalite();
  s3rver = await startS3rver({ directory: join(dir, 's3') });
  const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region: 'eu-west-1' });
  await ensureCatalogueTable(client, 'marrow-test');
  const s3 = createS3Client({ endpoint: s3rver.endpoint, region: 'eu-west-1' });
  await ensureBucket(s3, 'masters-test');
  tenantId = (await createTenant(new DynamoDbCatalogueStore({ client: documentClient, tableName: 'marrow-test' }), 'Cloud tenant', new Date(), newId)).id;

  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
  sign = (claims) =>
    new SignJWT({ token_use: 'id', 'cognito:username': 'alice', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('3f1c-user')
      .setIssuer(issuer)
      .setAudience('client-123')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);

  Object.assign(process.env, {
    MARROW_AUTH_MODE: 'cognito',
    MARROW_TABLE_NAME: 'marrow-test',
    MARROW_MASTERS_BUCKET: 'masters-test',
    AWS_REGION: 'eu-west-1',
    MARROW_COGNITO_USER_POOL_ID: 'eu-west-1_test',
    MARROW_COGNITO_CLIENT_ID: 'client-123',
    MARROW_COGNITO_ISSUER: issuer,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_S3: s3rver.endpoint,
    MARROW_IOT_ENDPOINT: iotDataEndpoint,
    MARROW_IOT_POLICY_NAME: 'marrow-edge-policy-test',
  });
  vi.resetModules();
  handler = (await import('../../lambdas/src/entry/lambda')).handler as unknown as Handler;
});

afterAll(async () => {
  iot.restore();
  iotData.restore();
  process.env = savedEnv;
  await new Promise((resolve) => jwks?.close(resolve));
  await Promise.all([dynalite?.close(), s3rver?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('Lambda handler (API Gateway HTTP API, payload 2.0)', () => {
  it('serves health and the OpenAPI document without a token', async () => {
    const health = await handler(event('GET', '/v1/health'), {} as Context);
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    const openapi = await handler(event('GET', '/v1/openapi.json'), {} as Context);
    expect(JSON.parse(openapi.body).openapi).toBe('3.1.0');
  });

  it('accepts Cognito ID tokens carrying a role and tenant, and scopes the catalogue by them', async () => {
    const token = await sign({ 'custom:role': 'tenant-admin', 'custom:tenants': tenantId });
    const entities = await handler(event('GET', '/v1/entities', { token }), {} as Context);
    expect(entities.statusCode).toBe(200);
    const [general] = JSON.parse(entities.body).items;
    expect(general.name).toBe('General');
    const created = await handler(
      event('POST', '/v1/machines', { token, body: { entityId: general.id, mac: '52:54:00:aa:bb:cc', hostname: 'cloud-01' } }),
      {} as Context,
    );
    expect(created.statusCode).toBe(201);
    const listed = await handler(event('GET', '/v1/machines', { token, query: `entityId=${general.id}` }), {} as Context);
    expect(JSON.parse(listed.body).items.map((m: { hostname: string }) => m.hostname)).toEqual(['cloud-01']);
  });

  it('refuses access tokens, users without a Marrow role, and password sign-in', async () => {
    const access = await sign({ token_use: 'access', 'custom:role': 'tenant-admin', 'custom:tenants': tenantId });
    expect((await handler(event('GET', '/v1/entities', { token: access }), {} as Context)).statusCode).toBe(401);
    const bare = await sign({});
    const refused = await handler(event('GET', '/v1/entities', { token: bare }), {} as Context);
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body).error.message).toContain('no Marrow role');
    const login = await handler(event('POST', '/v1/auth/login', { body: { username: 'a', password: 'b' } }), {} as Context);
    expect(login.statusCode).toBe(404);
    expect(JSON.parse(login.body).error.message).toContain('Cognito');
  });

  it('enrols an imaging server as an IoT thing with its own certificate, and revoking it cuts API and MQTT access', async () => {
    const certificateArn = `arn:aws:iot:eu-west-1:123456789012:cert/${'c'.repeat(64)}`;
    iot.on(CreateThingCommand).resolves({});
    iot.on(ListThingPrincipalsCommand).resolvesOnce({ principals: [] }).resolves({ principals: [certificateArn] });
    iot.on(CreateKeysAndCertificateCommand).resolves({
      certificateArn,
      certificateId: 'c'.repeat(64),
      certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      keyPair: { PublicKey: 'pub', PrivateKey: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n' },
    });
    iotData.on(PublishCommand).resolves({});
    const token = await sign({ 'custom:role': 'tenant-admin', 'custom:tenants': tenantId });
    const entity = await handler(event('POST', '/v1/entities', { token, body: { name: 'Lyon' } }), {} as Context);
    const server = await handler(event('POST', '/v1/imaging-servers', { token, body: { entityId: JSON.parse(entity.body).id, name: 'edge-lyon' } }), {} as Context);
    expect(server.statusCode).toBe(201);
    const { id: imagingServerId, enrolmentCode } = JSON.parse(server.body);

    const enrolled = await handler(event('POST', '/v1/edge/enroll', { body: { code: enrolmentCode } }), {} as Context);
    expect(enrolled.statusCode).toBe(200);
    const { credential, mqtt } = JSON.parse(enrolled.body);
    expect(mqtt).toEqual({
      url: `mqtts://${iotDataEndpoint}:8883`,
      clientId: imagingServerId,
      certificatePem: expect.stringContaining('BEGIN CERTIFICATE'),
      privateKey: expect.stringContaining('PRIVATE KEY'),
    });
    expect(iot.commandCalls(CreateThingCommand)[0]!.args[0].input).toEqual({ thingName: imagingServerId, attributePayload: { attributes: { tenantId } } });
    expect(iot.commandCalls(AttachPolicyCommand)[0]!.args[0].input).toEqual({ policyName: 'marrow-edge-policy-test', target: certificateArn });
    expect(iot.commandCalls(AttachThingPrincipalCommand)[0]!.args[0].input).toMatchObject({ thingName: imagingServerId, principal: certificateArn });
    const snapshot = () => handler(event('GET', '/v1/edge/snapshot', { token: credential }), {} as Context);
    expect((await snapshot()).statusCode).toBe(200);

    // A catalogue change is noticed to the edge over IoT Core's data plane.
    await handler(event('POST', '/v1/machines', { token, body: { entityId: JSON.parse(entity.body).id, mac: '52:54:00:aa:bb:dd', hostname: 'lyon-01' } }), {} as Context);
    const notices = iotData.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(notices).toContainEqual(expect.objectContaining({ topic: `marrow/${tenantId}/${imagingServerId}/commands`, qos: 1 }));

    const revoked = await handler(event('PATCH', `/v1/imaging-servers/${imagingServerId}`, { token, body: { revoked: true } }), {} as Context);
    expect(revoked.statusCode).toBe(200);
    expect(iot.commandCalls(UpdateCertificateCommand).map((c) => c.args[0].input)).toEqual([{ certificateId: 'c'.repeat(64), newStatus: 'INACTIVE' }]);
    expect(iot.commandCalls(DeleteThingCommand).map((c) => c.args[0].input)).toEqual([{ thingName: imagingServerId }]);
    expect((await snapshot()).statusCode).toBe(403);
  });
});

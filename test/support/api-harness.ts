import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@marrow/shared';
import { createDynamoDbClients } from '../../lambdas/src/adapters/dynamodb/clients';
import { ensureCatalogueTable } from '../../lambdas/src/adapters/dynamodb/create-catalogue-table';
import { DynamoDbCatalogueStore } from '../../lambdas/src/adapters/dynamodb/dynamodb-catalogue-store';
import { createS3Client, ensureBucket } from '../../lambdas/src/adapters/s3/clients';
import { S3ObjectArchive } from '../../lambdas/src/adapters/s3/s3-object-archive';
import { createApp } from '../../lambdas/src/app/create-app';
import type { AppDeps } from '../../lambdas/src/app/deps';
import { newId } from '../../lambdas/src/app/ids';
import { LocalTokens } from '../../lambdas/src/auth/local-tokens';
import { createTenant } from '../../lambdas/src/catalogue/tenants';
import { startDynalite } from '../../lambdas/src/local/embedded/dynalite';
import { startS3rver } from '../../lambdas/src/local/embedded/s3rver';

export interface CallOptions {
  token?: string;
  tenant?: string;
  body?: unknown;
  /** Sent as is (for malformed-JSON tests). */
  rawBody?: string;
}

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * The control plane app on the real AWS SDK clients against in-process dynalite and s3rver,
 * with two tenants and a token factory: what every API test starts from.
 */
export interface ApiHarness {
  deps: AppDeps;
  call(method: string, path: string, options?: CallOptions): Promise<ApiAnswer>;
  tokenFor(role: Role, tenantIds: string[]): Promise<string>;
  tenantA: { id: string; adminToken: string; generalEntityId: string };
  tenantB: { id: string; adminToken: string; generalEntityId: string };
  close(): Promise<void>;
}

export async function startApiHarness(): Promise<ApiHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'marrow-api-'));
  const dynalite = await startDynalite();
  const s3rver = await startS3rver({ directory: join(dir, 's3') });
  const region = 'us-east-1';
  const { client, documentClient } = createDynamoDbClients({ endpoint: dynalite.endpoint, region });
  await ensureCatalogueTable(client, 'catalogue');
  const s3 = createS3Client({ endpoint: s3rver.endpoint, region });
  await ensureBucket(s3, 'masters');
  const tokens = new LocalTokens(randomBytes(32));
  const deps: AppDeps = {
    store: new DynamoDbCatalogueStore({ client: documentClient, tableName: 'catalogue' }),
    archive: new S3ObjectArchive({ client: s3, bucket: 'masters' }),
    tokens,
    passwordSignIn: tokens,
    clock: () => new Date(),
    newId,
    version: 'test',
  };
  const app = createApp(deps);

  const tokenFor = async (role: Role, tenantIds: string[]) =>
    (await tokens.issue({ userId: newId('user'), username: `${role}-user`, role, tenantIds })).token;

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<ApiAnswer> => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.tenant) headers['x-marrow-tenant'] = options.tenant;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await app.request(path, { method: method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  const makeTenant = async (name: string) => {
    const tenant = await createTenant(deps.store, name, new Date(), newId);
    const entities = await deps.store.list(tenant.id, 'entity');
    return { id: tenant.id, adminToken: await tokenFor('tenant-admin', [tenant.id]), generalEntityId: entities.items[0]!.id };
  };
  const tenantA = await makeTenant('Tenant A');
  const tenantB = await makeTenant('Tenant B');

  return {
    deps,
    call,
    tokenFor,
    tenantA,
    tenantB,
    close: async () => {
      client.destroy();
      s3.destroy();
      await Promise.all([dynalite.close(), s3rver.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

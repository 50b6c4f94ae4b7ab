import { join } from 'node:path';
import type { LocalHostConfig } from '../../lambdas/src/local/local-config';
import { startLocalHost, type LocalHost } from '../../lambdas/src/local/local-host';

export const TEST_ADMIN_PASSWORD = 'a long test password';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AdminCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export interface TestStack {
  host: LocalHost;
  tenantId: string;
  /** Calls the API as the first-start admin, in the first tenant. */
  admin: AdminCall;
}

/** The local host on loopback with random ports, signed in as its admin: what edge-side tests start from. */
export async function startTestStack(dataDir: string, overrides: Partial<LocalHostConfig> = {}): Promise<TestStack> {
  const host = await startLocalHost({
    dataDir: join(dataDir, 'host'),
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    mqttWsPort: 0,
    tableName: 'catalogue',
    bucket: 'masters',
    version: 'test',
    adminPassword: TEST_ADMIN_PASSWORD,
    ...overrides,
  });
  const tenantId = host.firstStart!.tenantId;
  const login = await fetch(`${host.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const admin: AdminCall = async (method, path, body) => {
    const response = await fetch(`${host.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'x-marrow-tenant': tenantId, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return { host, tenantId, admin };
}

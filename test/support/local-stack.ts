import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MANIFEST_SCHEMA_VERSION, type Manifest } from '@marrow/shared';
import { loadEdgeConfig } from '../../edge/src/config/edge-config';
import type { RunningEdge } from '../../edge/src/daemon';
import type { LocalHostConfig } from '../../lambdas/src/local/local-config';
import { startLocalEdge } from '../../lambdas/src/local/local-edge';
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

/**
 * A master promoted from a ready backup image of `machineId` whose manifest (stored in the
 * archive as backups/`name`/manifest.json) is an empty 1 MiB GPT disk: enough for tests about
 * what comes after imaging. `promotion` is the body of the promote call (description…).
 */
export async function promoteEmptyBackup(stack: TestStack, machineId: string, name: string, promotion: Record<string, unknown>): Promise<{ id: string }> {
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tenantId: stack.tenantId,
    createdAt: new Date().toISOString(),
    machineId,
    disk: { label: 'gpt', sizeBytes: 1 << 20, sectorSize: 512, partitionTable: 'label: gpt\n' },
    partitions: [],
  };
  const manifestKey = `backups/${name}/manifest.json`;
  await stack.host.deps.archive.put(stack.tenantId, manifestKey, JSON.stringify(manifest));
  const backup = (await stack.admin('post', '/v1/backup-images', { machineId, state: 'ready', manifestKey })).body;
  return (await stack.admin('post', `/v1/backup-images/${backup.id}/promote`, promotion)).body;
}

export interface TestSite extends TestStack {
  /** A fresh temporary directory: the host's data in host/, the edge's in edgeDir. */
  dir: string;
  edgeDir: string;
  /** The local edge, enrolled through the API as the first entity's imaging server. */
  edge: RunningEdge;
  /** Closes the edge, then the host, and removes `dir`. */
  close(): Promise<void>;
}

/**
 * The test stack and a local edge beside it, in a fresh temporary directory named from
 * `dirPrefix`: the edge serves HTTP boot on loopback (a random port), TFTP off, and pulls its
 * snapshot only when told (`edge.sync.syncNow()`).
 */
export async function startTestSite(dirPrefix: string): Promise<TestSite> {
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  const edgeDir = join(dir, 'edge');
  let stack: TestStack | undefined;
  try {
    stack = await startTestStack(dir);
    const edge = await startLocalEdge(stack.host.deps, stack.host.apiUrl, loadEdgeConfig(undefined, {}, {
      dataDir: edgeDir,
      http: { address: '127.0.0.1', port: 0 },
      tftp: { enabled: false },
      snapshotPollSeconds: 3600,
    }));
    const { host } = stack;
    const close = async () => {
      await edge.close();
      await host.close();
      await rm(dir, { recursive: true, force: true });
    };
    return { ...stack, dir, edgeDir, edge, close };
  } catch (error) {
    await stack?.host.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HealthReport } from '@marrow/shared';
import { startLocalHost, type LocalHost } from '../../../lambdas/src/local/local-host';

/**
 * The portal e2e tier's world: the portal built once with Vite, the local host started
 * in-process on a temp data dir (every port picked by the OS, no local edge), and an API
 * client for what the portal does not do itself (what an edge or a capture would report).
 */
const repo = resolve(import.meta.dirname, '../../..');

export function buildPortal(): void {
  const result = spawnSync(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(repo, 'web/vite.config.ts'), '--logLevel', 'warn'], {
    cwd: repo,
    encoding: 'utf8',
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface PortalStack {
  host: LocalHost;
  baseUrl: string;
  password: string;
  tenantId: string;
  api: <T = unknown>(method: string, path: string, body?: unknown, options?: { token?: string; tenantId?: string }) => Promise<T>;
  close(): Promise<void>;
}

export async function startPortalStack(): Promise<PortalStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'marrow-portal-'));
  const host = await startLocalHost({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    mqttWsPort: 0,
    tableName: 'marrow-catalogue',
    bucket: 'marrow-masters',
    version: 'e2e',
  });
  const { password, tenantId, username } = host.firstStart!;
  const login = await fetch(`${host.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  }).then((r) => r.json() as Promise<{ token: string }>);

  const api = async <T>(method: string, path: string, body?: unknown, options: { token?: string; tenantId?: string } = {}): Promise<T> => {
    const response = await fetch(`${host.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? login.token}`,
        'x-marrow-tenant': options.tenantId ?? tenantId,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };

  return {
    host,
    baseUrl: host.apiUrl,
    password,
    tenantId,
    api,
    close: async () => {
      await host.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * What the health pipeline stores when an edge reports (one record per imaging server; see
 * test/api/imaging-server-status.test.ts): a fresh report makes the status Available.
 */
export async function storeHealthReport(host: LocalHost, tenantId: string, imagingServerId: string, overrides: Partial<HealthReport> = {}): Promise<void> {
  const now = new Date().toISOString();
  const lastReport: HealthReport = {
    id: `e2e-${Math.random()}`,
    sentAt: now,
    imagingServerId,
    softwareVersion: '0.1.0',
    intervalSeconds: 30,
    partitions: [
      { device: '/dev/vda3', mountPoint: '/srv/marrow', totalBytes: 500e9, freeBytes: 320e9 },
      { device: '/dev/vda1', mountPoint: '/boot', totalBytes: 1e9, freeBytes: 0.7e9 },
    ],
    load: { uptimeSeconds: 3 * 86_400 + 4 * 3600, loadAverage: [0.42, 0.35, 0.3], memoryUsedBytes: 2.1e9, memoryTotalBytes: 8e9 },
    services: { proxyDhcp: 'running', tftp: 'running', http: 'running' },
    controlPlaneReachable: true,
    ...overrides,
  };
  const { store } = host.deps;
  const existing = await store.get(tenantId, 'imagingServerHealth', imagingServerId);
  const record = { tenantId, imagingServerId, lastReport, offlineSince: null, createdAt: existing?.createdAt ?? now, updatedAt: now, version: (existing?.version ?? 0) + 1 };
  if (existing) await store.replace(tenantId, 'imagingServerHealth', imagingServerId, record, existing.version);
  else await store.create(tenantId, 'imagingServerHealth', imagingServerId, record);
}

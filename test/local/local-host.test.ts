import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startLocalHost, type LocalHost } from '../../lambdas/src/local/local-host';
import type { LocalHostConfig } from '../../lambdas/src/local/local-config';

/** The embedded default as `npm start` runs it, in-process: first start, persistence, restart. */
let dir: string;
const hosts: LocalHost[] = [];

async function start(extra: Partial<LocalHostConfig> = {}): Promise<LocalHost> {
  dir ??= await mkdtemp(join(tmpdir(), 'marrow-local-'));
  const host = await startLocalHost({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    mqttWsPort: 0,
    tableName: 'marrow-catalogue',
    bucket: 'marrow-masters',
    version: 'test',
    ...extra,
  });
  hosts.push(host);
  return host;
}

async function api(host: LocalHost, method: string, path: string, token?: string, body?: unknown, tenant?: string) {
  const response = await fetch(`${host.apiUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(tenant ? { 'x-marrow-tenant': tenant } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

afterAll(async () => {
  for (const host of hosts) await host.close().catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('local host', () => {
  it('seeds a tenant, "General" and an admin on first start, keeps everything across a restart', async () => {
    const first = await start();
    expect(first.firstStart).toBeDefined();
    const { password, tenantId } = first.firstStart!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await api(first, 'GET', '/v1/health')).body.status).toBe('ok');
    expect((await api(first, 'GET', '/v1/openapi.json')).body.openapi).toBe('3.1.0');

    const login = await api(first, 'POST', '/v1/auth/login', undefined, { username: 'admin', password });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    const [general] = (await api(first, 'GET', '/v1/entities', token, undefined, tenantId)).body.items;
    expect(general.name).toBe('General');
    const site = await api(first, 'POST', '/v1/entities', token, { name: 'Lyon site', parentId: general.id }, tenantId);
    const master = await api(first, 'POST', '/v1/masters', token, { entityId: general.id, description: 'Windows 11' }, tenantId);
    const script = await api(first, 'POST', '/v1/post-imaging-scripts', token, { name: 'Join', lines: ['MountSystem'] }, tenantId);
    expect([site.status, master.status, script.status]).toEqual([201, 201, 201]);
    expect((await stat(join(dir, 'token-secret'))).mode & 0o777).toBe(0o600);
    await first.close();

    const second = await start();
    expect(second.firstStart).toBeUndefined();
    // The token signed before the restart still holds: the secret is kept in the data directory.
    expect((await api(second, 'GET', `/v1/entities/${site.body.id}`, token, undefined, tenantId)).body.name).toBe('Lyon site');
    expect((await api(second, 'GET', `/v1/masters/${master.body.id}`, token, undefined, tenantId)).body.label).toBe(master.body.label);
    expect((await api(second, 'GET', `/v1/post-imaging-scripts/${script.body.id}`, token, undefined, tenantId)).body.lines).toEqual(['MountSystem']);
    expect((await api(second, 'POST', '/v1/auth/login', undefined, { username: 'admin', password })).status).toBe(200);
  });

  it('refuses a second local host on the same data directory with a clear message', async () => {
    await expect(start()).rejects.toThrow(/another Marrow local host .* is using/);
  });

  it('runs the MQTT broker on TCP, closed to anonymous clients', async () => {
    const host = hosts.at(-1)!;
    await expect(mqtt.connectAsync(host.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow();
  });
});

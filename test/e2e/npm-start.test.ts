import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a user runs it: one command, the password printed once, Ctrl-C stops
 * everything cleanly, and a restart finds every record again.
 */
const repo = resolve(import.meta.dirname, '../..');
let dataDir: string;
const running = new Set<ChildProcess>();

interface Started {
  child: ChildProcess;
  output: () => string;
  apiUrl: string;
}

async function npmStart(): Promise<Started> {
  const child = spawn('npm', ['start'], {
    cwd: repo,
    detached: true, // its own process group, so SIGINT reaches npm, tsx and node like a Ctrl-C
    env: {
      ...process.env,
      MARROW_DATA_DIR: dataDir,
      MARROW_PORT: '0',
      MARROW_MQTT_PORT: '0',
      MARROW_MQTT_WS_PORT: '0',
      MARROW_EDGE_HTTP_PORT: '0',
      MARROW_EDGE_TFTP_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(output);
    if (match) return { child, output: () => output, apiUrl: match[1]! };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Ctrl-C in a terminal signals the whole foreground group. npm itself may die of the signal;
 * what counts is that Marrow (the node process) says it stops and releases its data
 * directory, and that no process of the group is left.
 */
async function ctrlC(started: Started): Promise<void> {
  const { child } = started;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  const deadline = Date.now() + 15_000;
  while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  running.delete(child);
  expect(groupAlive(child.pid!), 'processes left after Ctrl-C').toBe(false);
  expect(started.output()).toContain('SIGINT: stopping Marrow');
  expect(existsSync(join(dataDir, 'marrow.lock'))).toBe(false);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

afterAll(async () => {
  for (const child of running) if (groupAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs Marrow, prints the admin password once, stops on Ctrl-C and keeps data across restarts', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'marrow-start-'));
    const first = await npmStart();
    expect((await call(first.apiUrl, 'GET', '/v1/health')).body.status).toBe('ok');
    expect((await call(first.apiUrl, 'GET', '/v1/openapi.json')).body.openapi).toBe('3.1.0');
    // The local edge runs beside it and already serves boot menus from the catalogue.
    const edgeUrl = /HTTP boot (http:\/\/127\.0\.0\.1:\d+)\/boot\.ipxe/.exec(first.output())?.[1];
    expect(edgeUrl, first.output()).toBeTruthy();
    expect(await (await fetch(`${edgeUrl}/boot.ipxe?mac=52:54:00:00:00:01`)).text()).toContain('menu Marrow - General');
    const password = /password:\s+(\S+)/.exec(first.output())?.[1];
    expect(password, first.output()).toBeTruthy();
    const login = await call(first.apiUrl, 'POST', '/v1/auth/login', undefined, { username: 'admin', password });
    expect(login.status).toBe(200);
    const { token } = login.body;
    const tenants = await call(first.apiUrl, 'GET', '/v1/tenants', token);
    const tenant = tenants.body.items[0].id as string;
    const withTenant = (method: string, path: string, body?: unknown) =>
      fetch(first.apiUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'x-marrow-tenant': tenant, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const [general] = (await withTenant('GET', '/v1/entities')).body.items;
    const entity = await withTenant('POST', '/v1/entities', { name: 'Paris', parentId: general.id });
    const master = await withTenant('POST', '/v1/masters', { entityId: general.id, description: 'Windows 11 24H2' });
    const script = await withTenant('POST', '/v1/post-imaging-scripts', { name: 'Sysprep', lines: ['MountSystem', 'CopySysprep w11'] });
    expect([entity.status, master.status, script.status]).toEqual([201, 201, 201]);

    await ctrlC(first);

    const second = await npmStart();
    expect(second.output()).not.toMatch(/password:/);
    const again = await call(second.apiUrl, 'POST', '/v1/auth/login', undefined, { username: 'admin', password });
    const headers = { authorization: `Bearer ${again.body.token}`, 'x-marrow-tenant': tenant };
    for (const path of [`/v1/entities/${entity.body.id}`, `/v1/masters/${master.body.id}`, `/v1/post-imaging-scripts/${script.body.id}`]) {
      const response = await fetch(second.apiUrl + path, { headers });
      expect(response.status, path).toBe(200);
    }
    await ctrlC(second);
  });
});

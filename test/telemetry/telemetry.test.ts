import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { edgeTopic } from '@marrow/shared';
import { credentialFile, loadEdgeConfig, type EdgeConfig } from '../../edge/src/config/edge-config';
import { saveIdentity, type EdgeIdentity } from '../../edge/src/catalogue/credential-store';
import { enrol } from '../../edge/src/catalogue/enrol';
import { startEdge, type RunningEdge } from '../../edge/src/daemon';
import { partitionUsage } from '../../edge/src/telemetry/partitions';
import { listAll } from '../../lambdas/src/ports/catalogue-store';
import { startLocalHost, type LocalHost } from '../../lambdas/src/local/local-host';
import { handleEdgeMessage } from '../../lambdas/src/telemetry/edge-message-handler';
import { freePort, waitFor } from '../support/free-port';

/**
 * Health telemetry and commands over a real MQTT broker (the local host's aedes), with
 * edges in-process and as real processes. Loopback only.
 */
const repo = resolve(import.meta.dirname, '../..');
let dir: string;
let host: LocalHost | undefined;
let apiPort: number;
let mqttPort: number;
let token: string;
let tenantId: string;
let generalId: string;
const edges: RunningEdge[] = [];
const children: ChildProcess[] = [];
const quiet = process.env.MARROW_TEST_VERBOSE ? { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) } : { info: () => undefined, warn: () => undefined };

async function startHost() {
  host = await startLocalHost({
    dataDir: join(dir, 'host'),
    host: '127.0.0.1',
    port: apiPort,
    mqttPort,
    mqttWsPort: 0,
    tableName: 'catalogue',
    bucket: 'masters',
    version: 'test',
    adminPassword: 'a long test password',
  });
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${host!.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'x-marrow-tenant': tenantId, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

const status = async (entityId: string) => (await api('get', `/v1/entities/${entityId}/imaging-server`)).body;

function edgeConfig(name: string, extra: Record<string, unknown> = {}): EdgeConfig {
  return loadEdgeConfig(undefined, {}, {
    dataDir: join(dir, name),
    http: { address: '127.0.0.1', port: 0 },
    tftp: { enabled: false },
    ipxeDir: join(dir, 'no-ipxe'),
    snapshotPollSeconds: 3600,
    healthIntervalSeconds: 1,
    ...extra,
  });
}

/** A new entity with an imaging server, enrolled through the API; returns its identity. */
async function enrolledSite(name: string): Promise<{ entityId: string; identity: EdgeIdentity }> {
  const entity = await api('post', '/v1/entities', { name });
  const server = await api('post', '/v1/imaging-servers', { entityId: entity.body.id, name: `edge-${name.toLowerCase()}` });
  return { entityId: entity.body.id, identity: await enrol(host!.apiUrl, server.body.enrolmentCode) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-telemetry-'));
  [apiPort, mqttPort] = [await freePort(), await freePort()];
  await startHost();
  const login = await fetch(`${host!.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'a long test password' }),
  });
  token = (await login.json()).token;
  tenantId = host!.firstStart!.tenantId;
  generalId = (await api('get', '/v1/entities?parentId=root')).body.items[0].id;
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const edge of edges) await edge.close().catch(() => undefined);
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('imaging-server status from health telemetry', () => {
  let general: RunningEdge;

  it('is Available with the real partitions of this machine when the edge is healthy', async () => {
    const server = await api('post', '/v1/imaging-servers', { entityId: generalId, name: 'edge-general' });
    const identity = await enrol(host!.apiUrl, server.body.enrolmentCode);
    expect(identity.mqtt).toMatchObject({ url: `mqtt://127.0.0.1:${mqttPort}`, clientId: identity.imagingServerId });
    const config = edgeConfig('general', { wakeOnLan: { broadcast: '127.255.255.255', port: 0 } });
    await saveIdentity(credentialFile(config), identity);
    general = await startEdge(config, identity, quiet);
    edges.push(general);
    const view = await waitFor('Available', async () => {
      const s = await status(generalId);
      return s.status === 'available' ? s : undefined;
    });
    const mine = await partitionUsage();
    expect(view.partitions.map((p: { device: string }) => p.device).sort()).toEqual(mine.map((p) => p.device).sort());
    expect(view.load.memoryTotalBytes).toBeGreaterThan(0);
    expect(view.services).toEqual({ proxyDhcp: 'disabled', tftp: 'disabled', http: 'running' });
    expect(view.reason).toBe('The imaging server is operational.');
  });

  it('is Connection error, with the reason, when the edge cannot reach the control plane', async () => {
    const { entityId, identity } = await enrolledSite('Lyon');
    const cutOff = { ...identity, controlPlaneUrl: 'http://127.0.0.1:9' };
    const edge = await startEdge(edgeConfig('lyon'), cutOff, quiet);
    edges.push(edge);
    const view = await waitFor('Connection error', async () => {
      const s = await status(entityId);
      return s.status === 'connection-error' ? s : undefined;
    });
    expect(view.reason).toContain('cannot reach the control plane');
    expect(view.partitions).toEqual([]);
  });

  it('turns Offline, with the reason, within a second of the edge process being killed', async () => {
    const { entityId, identity } = await enrolledSite('Nantes');
    const config = edgeConfig('nantes');
    await saveIdentity(credentialFile(config), identity);
    const configFile = join(dir, 'nantes.json');
    await writeFile(configFile, JSON.stringify({ dataDir: config.dataDir, http: { address: '127.0.0.1', port: 0 }, tftp: { enabled: false }, healthIntervalSeconds: 1 }));
    const child = spawn(process.execPath, [join(repo, 'edge/bin/marrow-edge.js'), 'run', '--config', configFile], { cwd: repo, stdio: 'ignore' });
    children.push(child);
    await waitFor('Available', async () => ((await status(entityId)).status === 'available' ? true : undefined), 30_000);
    child.kill('SIGKILL');
    const killedAt = Date.now();
    const view = await waitFor('Offline', async () => {
      const s = await status(entityId);
      return s.status === 'offline' ? s : undefined;
    }, 10_000, 50);
    expect(Date.now() - killedAt).toBeLessThan(2_000);
    expect(view.reason).toContain('disconnected');
  });
});

describe('broker access control', () => {
  it("refuses bad credentials, and lets an edge use only its own topics", async () => {
    const { identity } = await enrolledSite('Lille');
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    await expect(
      mqtt.connectAsync(url, { protocolVersion: 4, clientId: identity.imagingServerId, username: identity.imagingServerId, password: 'mse1.nope', reconnectPeriod: 0 }),
    ).rejects.toThrow();
    await expect(
      mqtt.connectAsync(url, { protocolVersion: 4, clientId: 'someone-else', username: identity.imagingServerId, password: identity.credential, reconnectPeriod: 0 }),
    ).rejects.toThrow();

    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: identity.imagingServerId,
      username: identity.imagingServerId,
      password: identity.credential,
      reconnectPeriod: 0,
    });
    const [own] = await client.subscribeAsync(edgeTopic(tenantId, identity.imagingServerId, 'commands'), { qos: 1 });
    expect(own!.qos).toBe(1);
    const otherTenant = 'tn_01J9ZQ4T6W2R8X5Y7V3N1K0M9P';
    const otherEdge = edges[0]!.telemetry ? (await listAll(host!.deps.store, tenantId, 'imagingServer'))[0]!.id : '';
    for (const topic of [
      edgeTopic(otherTenant, identity.imagingServerId, 'commands'),
      edgeTopic(tenantId, otherEdge, 'commands'),
      'marrow/#',
      '#',
    ]) {
      // mqtt.js rejects a subscription the broker refused (SUBACK 0x80).
      await expect(client.subscribeAsync(topic, { qos: 1 }), topic).rejects.toThrow(/Subscribe error/);
    }
    // Publishing under another tenant gets the connection closed by the broker.
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(edgeTopic(otherTenant, identity.imagingServerId, 'health'), '{}', { qos: 1 });
    await closed;
    client.end(true);
  });
});

describe('durable delivery both ways', () => {
  it('delivers events recorded during an outage exactly once, in order, when the broker and control plane return', async () => {
    const general = edges[0]!;
    const machine = await api('post', '/v1/machines', { entityId: generalId, mac: '52:54:00:77:00:01', hostname: 'lab-001' });
    const backup = await api('post', '/v1/backup-images', { machineId: machine.body.id, state: 'ready', sizeBytes: 10, compressedSizeBytes: 5 });
    const master = await api('post', `/v1/backup-images/${backup.body.id}/promote`, {});
    const deployment = await api('post', '/v1/deployments', { masterId: master.body.id, machineIds: [machine.body.id] });
    expect(deployment.status).toBe(201);

    await host!.close();
    host = undefined;
    await waitFor('the edge to notice', async () => (general.telemetry!.connected ? undefined : true));
    const base = { deploymentId: deployment.body.id, machineId: machine.body.id };
    const progress = (bytesDone: number) => ({ phase: 'restore' as const, bytesDone, bytesTotal: 300, rateBytesPerSecond: 1e6 });
    const recorded = [
      general.telemetry!.recordEvent({ type: 'task-progress', ...base, state: 'waiting-for-boot' }),
      general.telemetry!.recordEvent({ type: 'task-progress', ...base, state: 'imaging', progress: progress(100) }),
      general.telemetry!.recordEvent({ type: 'task-progress', ...base, state: 'imaging', progress: progress(200) }),
      general.telemetry!.recordEvent({ type: 'task-progress', ...base, state: 'imaging', progress: progress(300) }),
      general.telemetry!.recordEvent({ type: 'task-progress', ...base, state: 'post-scripts' }),
      general.telemetry!.recordEvent({ type: 'task-progress', ...base, state: 'done' }),
      general.telemetry!.recordEvent({ type: 'backup-captured', machineId: machine.body.id, manifestKey: 'backups/x/manifest.json', sizeBytes: 1, compressedSizeBytes: 1 }),
    ];
    expect(recorded.filter((e) => e.type === 'task-progress').map((e) => (e as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4, 5]);

    await startHost();
    // The backup-captured event comes after "done": wait for every recorded event, not the task.
    const applied = await waitFor('the outbox to drain', async () => {
      const ids = (await listAll(host!.deps.store, tenantId, 'appliedEdgeMessage')).map((m) => m.messageId);
      return recorded.every((event) => ids.includes(event.id)) ? ids : undefined;
    }, 30_000);
    for (const event of recorded) expect(applied.filter((id) => id === event.id)).toHaveLength(1);
    const task = (await api('get', `/v1/deployments/${deployment.body.id}/tasks`)).body.items[0];
    expect(task.progress).toMatchObject({ bytesDone: 300 });
    expect((await api('get', `/v1/deployments/${deployment.body.id}`)).body.state).toBe('finished');
    // A redelivery of the same message changes nothing.
    const again = await handleEdgeMessage(
      { store: host!.deps.store, clock: () => new Date() },
      edgeTopic(tenantId, general.sync.snapshot!.imagingServerId, 'events'),
      JSON.stringify(recorded[1]),
    );
    expect(again).toBe('duplicate');
  });

  it('delivers a command sent while the edge was offline once, and it is executed once', async () => {
    const generalEdge = edges.shift()!;
    const identityFile = credentialFile(edgeConfig('general'));
    await generalEdge.close();
    const wol = createSocket('udp4');
    const packets: Buffer[] = [];
    wol.on('message', (packet) => packets.push(packet));
    await new Promise<void>((r) => wol.bind(0, '0.0.0.0', () => r()));
    const wolPort = wol.address().port;
    try {
      const machine = await api('post', '/v1/machines', { entityId: generalId, mac: '52:54:00:77:00:02', hostname: 'lab-002' });
      const backup = await api('post', '/v1/backup-images', { machineId: machine.body.id, state: 'ready', sizeBytes: 10, compressedSizeBytes: 5 });
      const master = await api('post', `/v1/backup-images/${backup.body.id}/promote`, {});
      const deployment = await api('post', '/v1/deployments', { masterId: master.body.id, machineIds: [machine.body.id], wakeOnLan: true });
      const commands = await listAll(host!.deps.store, tenantId, 'edgeCommand');
      const arm = commands.find((c) => c.command.type === 'arm-deployment' && 'deploymentId' in c.command && c.command.deploymentId === deployment.body.id)!;
      expect(arm.state).toBe('pending');

      const { loadIdentity } = await import('../../edge/src/catalogue/credential-store');
      const identity = (await loadIdentity(identityFile))!;
      const back = await startEdge(edgeConfig('general', { wakeOnLan: { broadcast: '127.255.255.255', port: wolPort } }), identity, quiet);
      edges.unshift(back);
      await waitFor('the acknowledgement', async () => ((await host!.deps.store.get(tenantId, 'edgeCommand', arm.command.id))?.state === 'done' ? true : undefined), 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      // sendWakeOnLan sends each packet 3 times; executed twice would make 6.
      expect(packets).toHaveLength(3);
      expect(packets[0]!.subarray(0, 6)).toEqual(Buffer.alloc(6, 0xff));
      expect(packets[0]!.subarray(6, 12)).toEqual(Buffer.from([0x52, 0x54, 0, 0x77, 0, 2]));
    } finally {
      wol.close();
    }
  });

  it('cuts a revoked imaging server off the broker', async () => {
    const lyon = edges.find((e) => e.sync.snapshot?.entities[0]?.name === 'Lyon') ?? edges[1]!;
    const serverId = (await listAll(host!.deps.store, tenantId, 'imagingServer')).find((s) => s.name === 'edge-lyon')!.id;
    await waitFor('Lyon connected', async () => (lyon.telemetry!.connected ? true : undefined), 20_000);
    const revoked = await fetch(`${host!.apiUrl}/v1/imaging-servers/${serverId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'x-marrow-tenant': tenantId, 'content-type': 'application/json' },
      body: JSON.stringify({ revoked: true }),
    });
    expect(revoked.status, await revoked.clone().text()).toBe(200);
    await waitFor('Lyon disconnected', async () => (lyon.telemetry!.connected ? undefined : true), 5_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(lyon.telemetry!.connected).toBe(false);
  });
});

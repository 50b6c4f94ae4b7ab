import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chunkPath, type Manifest } from '@marrow/shared';
import { ChunkEncoder } from '../../edge/src/imagecache/chunk-codec';
import type { RunningEdge } from '../../edge/src/daemon';
import { bootSession } from '../support/edge-boot';
import { startTestSite, type AdminCall, type TestSite } from '../support/local-stack';
import { mixedDiskData } from '../../bench/support/mixed-disk-data';

/**
 * The imaging environment's conversation with the edge, over HTTP as the client has it:
 * a backup captured partition by partition becomes a ready backup image in the cloud; once
 * promoted to a master in the default startup menu, another boot deploys it back byte for byte.
 */
let site: TestSite;
let edge: RunningEdge;
let admin: AdminCall;
const MAC = '52:54:00:66:00:01';
const disk = mixedDiskData(12 << 20);

const bootToken = async (mac: string) => (await bootSession(edge.httpUrl, mac)).token;

const call = (token: string, method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${edge.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, ...(body !== undefined ? { body } : {}) });

beforeAll(async () => {
  site = await startTestSite('marrow-imaging-');
  ({ admin, edge } = site);
  const general = (await admin('get', '/v1/entities')).body.items[0].id;
  await admin('post', '/v1/machines', { entityId: general, mac: MAC, hostname: 'ref-pc' });
  await edge.sync.syncNow();
});

afterAll(() => site?.close());

describe('imaging sessions on the edge', () => {
  let backupImageId: string;

  it('refuses calls without a session, and what the boot was not offered', async () => {
    expect((await call('nope', 'GET', '/imaging/session')).status).toBe(401);
    const unknown = await bootToken('52:54:00:66:00:99');
    expect(await (await call(unknown, 'GET', '/imaging/session')).json()).toMatchObject({ modes: ['register'], machineId: null });
    expect((await call(unknown, 'POST', '/imaging/capture/partition-table', 'label: dos')).status).toBe(403);
    expect((await call(unknown, 'GET', '/imaging/deploy/manifest')).status).toBe(403);
  });

  it('captures a disk partition by partition into a ready backup image', async () => {
    const token = await bootToken(MAC);
    const session = await (await call(token, 'GET', '/imaging/session')).json();
    expect(session).toMatchObject({ hostname: 'ref-pc', modes: ['register', 'backup'] });
    expect((await call(token, 'POST', '/imaging/capture/partition-table', 'label: dos\nunit: sectors\n/dev/vda1 : start=2048, size=24576, type=7\n')).status).toBe(204);
    const put = await call(token, 'PUT', '/imaging/capture/partitions/1', new Uint8Array(disk), {
      'x-marrow-tool': 'dd',
      'x-marrow-filesystem': 'raw',
      'x-marrow-start-sector': '2048',
      'x-marrow-size-bytes': String(disk.length),
    });
    expect(await put.json()).toMatchObject({ streamBytes: disk.length });
    const done = await call(token, 'POST', '/imaging/capture/complete', JSON.stringify({ label: 'dos', sizeBytes: 16 << 20, sectorSize: 512 }), { 'content-type': 'application/json' });
    expect(done.status).toBe(200);
    backupImageId = (await done.json()).backupImageId;
    const backup = (await admin('get', `/v1/backup-images/${backupImageId}`)).body;
    expect(backup).toMatchObject({ state: 'ready', sizeBytes: disk.length });
    expect(backup.compressedSizeBytes).toBeGreaterThan(0);
    // The session is spent.
    expect((await call(token, 'GET', '/imaging/session')).status).toBe(401);
  });

  it('deploys the promoted master back, byte for byte, from the edge cache', async () => {
    const master = (await admin('post', `/v1/backup-images/${backupImageId}/promote`, { inDefaultStartupMenu: true })).body;
    await edge.sync.syncNow();
    const token = await bootToken(MAC);
    const session = await (await call(token, 'GET', '/imaging/session')).json();
    expect(session.modes).toContain('deploy');
    expect(session.masterIds).toEqual([master.id]);
    const manifest = await (await call(token, 'GET', `/imaging/deploy/manifest?master=${master.id}`)).json();
    expect(manifest.disk.partitionTable).toContain('/dev/vda1');
    const stream = await call(token, 'GET', `/imaging/deploy/partitions/1?master=${master.id}`);
    const bytes = Buffer.from(await stream.arrayBuffer());
    expect(bytes.length).toBe(disk.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stream.headers.get('x-marrow-stream-sha256'));
    expect(bytes.equals(disk)).toBe(true);
    expect((await call(token, 'GET', '/imaging/deploy/manifest?master=ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P')).status).toBe(403);
  });
});

describe('registration from the boot menu', () => {
  it('registers an unknown machine with its inventory, then refreshes it on the next registration', async () => {
    const mac = '52:54:00:66:00:42';
    const inventory = {
      mac,
      vendor: 'QEMU',
      model: 'Standard PC (i440FX + PIIX, 1996)',
      serial: '',
      biosVersion: '1.16.2-debian',
      uuid: '4c4c4544-0031-3410-8052-b3c04f4e4432',
      cpu: 'QEMU Virtual CPU version 2.5+',
      cpuCount: 1,
      memoryBytes: 536870912,
      disks: [{ name: 'vda', sizeBytes: 67108864, model: '', removable: 0, rotational: 1 }],
      nics: [{ name: 'eth0', mac }],
    };
    const first = await call(await bootToken(mac), 'POST', '/imaging/register', JSON.stringify(inventory), { 'content-type': 'application/json' });
    expect(first.status).toBe(200);
    const registered = await first.json();
    expect(registered).toMatchObject({ created: true, machine: { hostname: 'pc-660042', mac, uuid: inventory.uuid } });
    expect(registered.machine.inventory).toEqual({
      manufacturer: 'QEMU',
      model: 'Standard PC (i440FX + PIIX, 1996)',
      biosVersion: '1.16.2-debian',
      cpu: 'QEMU Virtual CPU version 2.5+',
      memoryBytes: 536870912,
      disks: [{ name: 'vda', sizeBytes: 67108864 }],
    });
    // The edge synced: the machine's next boot gets its entity's menu, not "Register this machine".
    const script = await (await fetch(`${edge.httpUrl}/boot.ipxe?mac=${mac}`)).text();
    expect(script).toContain('menu Marrow - General - pc-660042');
    const again = await call(await bootToken(mac), 'POST', '/imaging/register', JSON.stringify({ ...inventory, memoryBytes: 1073741824 }), {
      'content-type': 'application/json',
    });
    expect(await again.json()).toMatchObject({ created: false, machine: { id: registered.machine.id, inventory: { memoryBytes: 1073741824 } } });
  });
});

describe('progress of a deployment from the imaging environment', () => {
  it('turns the client step reports into the task states the portal shows', async () => {
    const masters = (await admin('get', '/v1/masters')).body.items;
    const machines = (await admin('get', '/v1/machines')).body.items;
    const deployment = (await admin('post', '/v1/deployments', { masterId: masters[0].id, machineIds: [machines[0].id] })).body;
    await edge.sync.syncNow();
    const token = await bootToken(MAC);
    const report = (body: unknown) => call(token, 'POST', '/imaging/progress', JSON.stringify(body), { 'content-type': 'application/json' });
    await report({ phase: 'deploy-partition-1', bytesDone: 6 << 20, bytesTotal: 12 << 20, rateBytesPerSecond: 3e7, state: 'running' });
    await report({ phase: 'deploy-partition-1', bytesDone: 12 << 20, bytesTotal: 12 << 20, rateBytesPerSecond: 3e7, state: 'done' });
    await report({ phase: 'post-imaging', bytesDone: 1, bytesTotal: 3, rateBytesPerSecond: 0, state: 'running' });
    await report({ phase: 'deploy', bytesDone: 0, bytesTotal: 0, rateBytesPerSecond: 0, state: 'done' });
    const deadline = Date.now() + 15_000;
    let task: { state: string; progress: { phase: string } | null } | undefined;
    while (Date.now() < deadline) {
      task = (await admin('get', `/v1/deployments/${deployment.id}/tasks`)).body.items[0];
      if (task?.state === 'done') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(task).toMatchObject({ state: 'done', progress: { phase: 'report' } });
    expect((await admin('get', `/v1/deployments/${deployment.id}`)).body.state).toBe('finished');
  });
});

describe('deploy streams on the decode threads', () => {
  // Last in the file: it stops the edge.
  it('refetches a damaged cached chunk instead of sending it, and stopping the edge stops the threads', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    const token = await bootToken(MAC);
    const session = await (await call(token, 'GET', '/imaging/session')).json();
    expect(session.modes).toContain('deploy');
    const master = session.masterIds[0];
    const manifest: Manifest = await (await call(token, 'GET', `/imaging/deploy/manifest?master=${master}`)).json();
    const chunks = manifest.partitions[0]!.chunks;
    expect(chunks.length).toBeGreaterThan(2);
    const victim = chunks[1]!;
    const path = join(edge.cache.root, chunkPath(victim.h));
    const good = await readFile(path);
    // A valid zstd frame of the right length, with other content: only the SHA-256 can tell.
    await writeFile(path, new ChunkEncoder().encode(randomBytes(victim.n)).compressed);

    const stream = await call(token, 'GET', `/imaging/deploy/partitions/1?master=${master}`);
    expect(stream.status).toBe(200);
    const bytes = Buffer.from(await stream.arrayBuffer());
    expect(bytes.equals(disk)).toBe(true);
    expect((await readFile(path)).equals(good)).toBe(true); // the good copy came from the archive

    const threads = new Set(post.mock.contexts as Worker[]);
    post.mockRestore();
    expect(threads.size).toBeGreaterThan(0);
    expect(edge.decodePool.runningThreads).toBe(threads.size);
    await edge.close();
    expect([...threads].every((worker) => worker.threadId === -1)).toBe(true);
    expect(edge.decodePool.runningThreads).toBe(0);
  });
});

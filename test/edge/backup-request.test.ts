import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../../edge/src/daemon';
import type { LocalHost } from '../../lambdas/src/local/local-host';
import { listAll } from '../../lambdas/src/ports/catalogue-store';
import { fetchBootScript, sessionToken } from '../support/edge-boot';
import { startTestSite, type AdminCall, type TestSite } from '../support/local-stack';
import { waitFor } from '../support/free-port';
import { mixedDiskData } from '../../bench/support/mixed-disk-data';

/**
 * "Back up this machine" driven through the API, like a deployment: the request reaches the
 * edge as a command (it syncs at once), the machine's next boot goes straight to the imaging
 * environment in backup mode, the capture goes through the edge's HTTP endpoints, and the
 * request ends done with its backup image (or failed with the client's reason) in the API.
 */
let site: TestSite;
let host: LocalHost;
let edge: RunningEdge;
let admin: AdminCall;
let tenantId: string;
let general: string;
const disk = mixedDiskData(4 << 20);

const bootScript = (mac: string) => fetchBootScript(edge.httpUrl, mac);
const call = (token: string, method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${edge.httpUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, ...(body !== undefined ? { body } : {}) });
const json = { 'content-type': 'application/json' };

/** The boot script once the edge has armed the machine (the arm-backup-request command makes it sync; it never polls here). */
async function armedBoot(mac: string): Promise<{ script: string; token: string }> {
  return waitFor(`the backup of ${mac} to be armed`, async () => {
    const script = await bootScript(mac);
    const token = sessionToken(script);
    // The menu offers "Back up this machine" too; an armed boot has no menu and says what it does.
    return script.includes('echo Marrow: backing up') && token ? { script, token } : undefined;
  }, 15_000);
}

async function requestState(id: string, until: (r: { state: string }) => boolean) {
  return waitFor(`backup request ${id}`, async () => {
    const request = (await admin('get', `/v1/backup-requests/${id}`)).body;
    return until(request) ? request : undefined;
  }, 15_000);
}

beforeAll(async () => {
  site = await startTestSite('marrow-backup-request-');
  ({ host, admin, tenantId, edge } = site);
  general = (await admin('get', '/v1/entities')).body.items[0].id;
  await edge.sync.syncNow();
  await waitFor('the edge to connect', async () => (edge.telemetry?.connected ? true : undefined), 15_000);
});

afterAll(() => site?.close());

describe('a backup requested in the API', () => {
  it('boots the machine straight into backup mode and ends done with the captured backup image', async () => {
    const mac = '52:54:00:67:00:01';
    const machine = (await admin('post', '/v1/machines', { entityId: general, mac, hostname: 'acct-pc' })).body;
    await edge.sync.syncNow();
    expect(await bootScript(mac)).toContain('menu Marrow - General - acct-pc');

    const created = await admin('post', '/v1/backup-requests', { machineId: machine.id, description: 'before the upgrade' });
    expect(created.status).toBe(201);
    const request = created.body;

    // No menu: the edge synced on the command and this boot captures the disk.
    const { script, token } = await armedBoot(mac);
    expect(script).not.toContain('\nmenu ');
    expect(script).toContain('marrow.mode=backup');
    expect(script).toContain('echo Marrow: backing up acct-pc');
    expect(script).toContain(`marrow.machine=${machine.id}`);
    const session = await (await call(token, 'GET', '/imaging/session')).json();
    expect(session).toMatchObject({ modes: ['backup'], machineId: machine.id, backupRequestId: request.id, deploymentId: null });
    const arm = (await listAll(host.deps.store, tenantId, 'edgeCommand')).find(
      (c) => c.command.type === 'arm-backup-request' && c.command.backupRequestId === request.id,
    )!;
    await waitFor('the command to be acknowledged', async () => ((await host.deps.store.get(tenantId, 'edgeCommand', arm.command.id))?.state === 'done' ? true : undefined), 15_000);
    // The site acknowledged arming it: the request waits for its machine to boot.
    await requestState(request.id, (r) => r.state === 'waiting-for-boot');

    // The imaging environment's client, as backup.sh talks to the edge.
    expect((await call(token, 'POST', '/imaging/capture/partition-table', 'label: dos\nunit: sectors\n/dev/vda1 : start=2048, size=8192, type=83\n')).status).toBe(204);
    await call(token, 'POST', '/imaging/progress', JSON.stringify({ phase: 'capture-partition-1', bytesDone: disk.length / 2, bytesTotal: disk.length, rateBytesPerSecond: 1e7, state: 'running' }), json);
    const imaging = await requestState(request.id, (r) => r.state === 'imaging');
    expect(imaging.progress).toMatchObject({ phase: 'capture', bytesDone: disk.length / 2, bytesTotal: disk.length });
    const put = await call(token, 'PUT', '/imaging/capture/partitions/1', new Uint8Array(disk), {
      'x-marrow-tool': 'dd',
      'x-marrow-filesystem': 'raw',
      'x-marrow-start-sector': '2048',
      'x-marrow-size-bytes': String(disk.length),
    });
    expect(await put.json()).toMatchObject({ streamBytes: disk.length });
    await call(token, 'POST', '/imaging/progress', JSON.stringify({ phase: 'capture-partition-1', bytesDone: disk.length, bytesTotal: disk.length, rateBytesPerSecond: 0, state: 'done' }), json);
    const complete = await call(token, 'POST', '/imaging/capture/complete', JSON.stringify({ label: 'dos', sizeBytes: 8 << 20, sectorSize: 512 }), json);
    expect(complete.status).toBe(200);
    const { backupImageId } = await complete.json();

    const done = await requestState(request.id, (r) => r.state === 'done');
    expect(done).toMatchObject({ state: 'done', backupImageId, error: null, progress: { phase: 'report', bytesDone: disk.length } });
    expect((await admin('get', `/v1/backup-images/${backupImageId}`)).body).toMatchObject({ state: 'ready', machineId: machine.id, sizeBytes: disk.length });
    // The init script's last "done" report arrives after the session ended: refused, it changes nothing.
    expect((await call(token, 'POST', '/imaging/progress', JSON.stringify({ phase: 'backup', state: 'done' }), json)).status).toBe(401);

    // Once synced, the machine boots its menu again.
    await edge.sync.syncNow();
    expect(await bootScript(mac)).toContain('menu Marrow - General - acct-pc');
  });

  it('ends failed with the reason and the log tail the imaging client reports', async () => {
    const mac = '52:54:00:67:00:02';
    const machine = (await admin('post', '/v1/machines', { entityId: general, mac, hostname: 'acct-pc2' })).body;
    const request = (await admin('post', '/v1/backup-requests', { machineId: machine.id })).body;
    const { token } = await armedBoot(mac);
    // What init's fail() sends (lib/report.sh error_json) when backup.sh dies.
    const failure = {
      phase: 'capture',
      bytesDone: 0,
      bytesTotal: 0,
      rateBytesPerSecond: 0,
      state: 'failed',
      error: { message: 'no disk to capture', logTail: 'marrow: looking for a disk\nmarrow: ERROR: no disk to capture' },
    };
    expect((await call(token, 'POST', '/imaging/progress', JSON.stringify(failure), json)).status).toBe(204);
    const failed = await requestState(request.id, (r) => r.state === 'failed');
    expect(failed).toMatchObject({ backupImageId: null, error: failure.error });
    // A machine whose backup failed can be asked again.
    expect((await admin('post', '/v1/backup-requests', { machineId: machine.id })).status).toBe(201);
  });

  it('stops arming the machine when the request is cancelled', async () => {
    const mac = '52:54:00:67:00:03';
    const machine = (await admin('post', '/v1/machines', { entityId: general, mac, hostname: 'acct-pc3' })).body;
    const request = (await admin('post', '/v1/backup-requests', { machineId: machine.id })).body;
    await armedBoot(mac);
    expect((await admin('post', `/v1/backup-requests/${request.id}/cancel`)).body.state).toBe('cancelled');
    await waitFor('the edge to disarm the machine', async () => ((await bootScript(mac)).includes('menu Marrow - General - acct-pc3') ? true : undefined), 15_000);
  });
});

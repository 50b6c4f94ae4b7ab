import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdgeConfig, credentialFile, type EdgeConfig } from '../../edge/src/config/edge-config';
import { loadIdentity } from '../../edge/src/catalogue/credential-store';
import { startEdge, type RunningEdge } from '../../edge/src/daemon';
import { fetchTftp } from '../../edge/src/tftp';
import type { LocalHost } from '../../lambdas/src/local/local-host';
import { startLocalEdge } from '../../lambdas/src/local/local-edge';
import { fetchBootScript } from '../support/edge-boot';
import { startTestStack, type AdminCall } from '../support/local-stack';

/**
 * The edge against a real control plane on loopback: enrolment, the boot menu following the
 * catalogue, and PXE served from the stored snapshot while the control plane is down.
 */
let dir: string;
let host: LocalHost | undefined;
let edge: RunningEdge | undefined;
let config: EdgeConfig;
/** The API as the admin. */
let api: AdminCall;

/** The script for a MAC, with this edge's own URL (a random port in tests) written as BASE. */
const bootScript = async (mac: string) =>
  (await fetchBootScript(edge!.httpUrl, mac)).replaceAll(edge!.httpUrl, 'BASE').replace(/marrow\.token=[A-Za-z0-9_-]+/g, 'marrow.token=TOKEN');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-edge-'));
  const stack = await startTestStack(dir);
  ({ host, admin: api } = stack);
  config = loadEdgeConfig(undefined, {}, {
    dataDir: join(dir, 'edge'),
    http: { address: '127.0.0.1', port: 0 },
    tftp: { address: '127.0.0.1', port: 0 },
    ipxeDir: join(dir, 'no-ipxe-here'),
    snapshotPollSeconds: 3600,
  });
  edge = await startLocalEdge(stack.host.deps, stack.host.apiUrl, config);
});

afterAll(async () => {
  await edge?.close();
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('edge daemon', () => {
  it('enrols through the API and keeps its credential readable by its user only', async () => {
    const identity = await loadIdentity(credentialFile(config));
    expect(identity?.name).toBe('Local edge');
    expect((await stat(credentialFile(config))).mode & 0o777).toBe(0o600);
    const servers = await api('get', '/v1/imaging-servers');
    expect(servers.body.items.map((s: { id: string }) => s.id)).toEqual([identity!.imagingServerId]);
  });

  it('offers unknown machines to register and follows the catalogue for known ones', async () => {
    expect(await bootScript('52:54:00:aa:00:01')).toContain('this machine is not registered');
    const [general] = (await api('get', '/v1/entities')).body.items;
    await api('post', '/v1/machines', { entityId: general.id, mac: '52:54:00:AA:00:01', hostname: 'lab-001' });
    await api('post', '/v1/boot-services', { entityId: general.id, label: 'Memory test', ipxeScript: 'echo memtest', order: 1 });
    await edge!.sync.syncNow();
    const script = await bootScript('52:54:00:aa:00:01');
    expect(script).toContain('menu Marrow - General - lab-001');
    expect(script).toContain('item marrow_item_0 Memory test');
  });

  it('serves the iPXE first stage, 400 on a bad MAC, 404 without an imaging environment', async () => {
    expect(await (await fetch(`${edge!.httpUrl}/boot.ipxe`)).text()).toContain('chain http://127.0.0.1:');
    expect((await fetch(`${edge!.httpUrl}/boot.ipxe?mac=nope`)).status).toBe(400);
    expect((await fetch(`${edge!.httpUrl}/imaging/vmlinuz`)).status).toBe(404);
    expect((await fetch(`${edge!.httpUrl}/imaging/..%2Fcredential.json`)).status).toBe(404);
  });

  it('keeps serving the same menu from its stored snapshot while the control plane is down', async () => {
    const before = await bootScript('52:54:00:aa:00:01');
    await host!.close();
    host = undefined;
    await edge!.sync.syncNow();
    expect(edge!.sync.status.controlPlaneReachable).toBe(false);
    expect(edge!.sync.status.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect(await bootScript('52:54:00:aa:00:01')).toBe(before);

    // A restart of the edge itself while the cloud is still unreachable: the snapshot on disk is enough.
    await edge!.close();
    const identity = (await loadIdentity(credentialFile(config)))!;
    edge = await startEdge(config, identity, { info: () => undefined, warn: () => undefined });
    expect(edge.sync.status.controlPlaneReachable).toBe(false);
    expect(await bootScript('52:54:00:aa:00:01')).toBe(before);
  });

  it('answers TFTP with a clear refusal for files it does not have', async () => {
    await expect(fetchTftp({ host: '127.0.0.1', port: edge!.tftpPort!, filename: 'undionly.kpxe' })).rejects.toThrow(/not found/i);
  });
});

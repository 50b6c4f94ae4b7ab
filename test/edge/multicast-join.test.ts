import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPath } from '@marrow/shared';
import { ChunkEncoder } from '../../edge/src/imagecache/chunk-codec';
import { bootSession } from '../support/edge-boot';
import { startTestSite, type AdminCall, type TestSite } from '../support/local-stack';
import { testManifest } from '../support/test-manifests';

/**
 * A multicast deployment on the edge, over HTTP as the imaging environment's client has it:
 * a machine that reported its task failed is not waited for by the partitions that follow.
 * udp-sender is a stand-in found in PATH (it records its arguments and reads its input);
 * the real udpcast between namespaces is test/e2e/multicast.test.ts.
 */
let site: TestSite;
let admin: AdminCall;
let fakeDir: string;
const savedPath = process.env.PATH;
const MACS = ['52:54:00:66:10:01', '52:54:00:66:10:02', '52:54:00:66:10:03'];

beforeAll(async () => {
  // Before the edge starts: it looks for udp-sender once, and multicasts on the interface of its HTTP address (lo).
  fakeDir = await mkdtemp(join(tmpdir(), 'marrow-fake-udpcast-'));
  await writeFile(join(fakeDir, 'udp-sender'), ['#!/bin/sh', 'echo "$@" > "$MARROW_FAKE_UDPCAST/$$.args"', 'cat > /dev/null'].join('\n'));
  await chmod(join(fakeDir, 'udp-sender'), 0o755);
  process.env.MARROW_FAKE_UDPCAST = fakeDir;
  process.env.PATH = `${fakeDir}${delimiter}${savedPath ?? ''}`;
  site = await startTestSite('marrow-multicast-join-');
  admin = site.admin;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await site?.close();
  await rm(fakeDir, { recursive: true, force: true });
});

describe('multicast deployments on the edge', () => {
  it('a machine whose task failed is not waited for by the next partition session', async () => {
    const entityId = (await admin('get', '/v1/entities')).body.items[0].id;
    const machines: { id: string }[] = [];
    for (const [i, mac] of MACS.entries()) machines.push((await admin('post', '/v1/machines', { entityId, mac, hostname: `mc-${i}` })).body);
    // Real chunks (zstd, named by their content's SHA-256), so the partition streams are sound.
    const encoded = [randomBytes(3000), randomBytes(5000)].map((data) => new ChunkEncoder().encode(data));
    for (const { ref, compressed } of encoded) await site.host.deps.archive.put(site.tenantId, chunkPath(ref.h), compressed);
    const manifest = testManifest(site.tenantId, [], { machineId: machines[0]!.id });
    const chunks = encoded.map((e) => e.ref);
    const streamBytes = chunks.reduce((sum, ref) => sum + ref.n, 0);
    const one = { ...manifest.partitions[0]!, chunks, streamBytes, usedBytes: streamBytes };
    manifest.partitions = [one, { ...one, number: 2, startSector: 200_000 }];
    await site.host.deps.archive.put(site.tenantId, 'backups/mc/manifest.json', JSON.stringify(manifest));
    const backup = (await admin('post', '/v1/backup-images', { machineId: machines[0]!.id, state: 'ready', manifestKey: 'backups/mc/manifest.json' })).body;
    const master = (await admin('post', `/v1/backup-images/${backup.id}/promote`, { description: 'multicast' })).body;
    const deployment = await admin('post', '/v1/deployments', { masterId: master.id, machineIds: machines.map((m) => m.id), mode: 'multicast' });
    expect(deployment.status, JSON.stringify(deployment.body)).toBe(201);
    await site.edge.sync.syncNow();

    const [a, , c] = await Promise.all(MACS.map((mac) => bootSession(site.edge.httpUrl, mac)));
    const call = (token: string, path: string, body?: unknown) =>
      fetch(`${site.edge.httpUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    const join1 = await (await call(a!.token, `/imaging/deploy/partitions/1/multicast?master=${master.id}`)).json();
    expect(join1).toMatchObject({ portbase: expect.any(Number) });

    // The third machine's disk is too small: its client reports the failure.
    const failed = await call(c!.token, '/imaging/progress', { phase: 'partition-table', state: 'failed', error: { message: 'the disk is smaller than the master', logTail: 'sfdisk: …' } });
    expect(failed.status).toBe(204);
    const join2 = await (await call(a!.token, `/imaging/deploy/partitions/2/multicast?master=${master.id}`)).json();
    expect(join2).toMatchObject({ portbase: expect.any(Number) });

    const minReceivers = async () => {
      const files = (await readdir(fakeDir)).filter((f) => f.endsWith('.args'));
      return (await Promise.all(files.map((f) => readFile(join(fakeDir, f), 'utf8')))).map((args) => /--min-receivers (\d+)/.exec(args)?.[1]).sort();
    };
    for (let tries = 0; (await minReceivers()).length < 2 && tries < 100; tries++) await new Promise((r) => setTimeout(r, 50));
    // Partition 1 waited for all three; partition 2 for the two machines still deploying.
    expect(await minReceivers()).toEqual(['2', '3']);
  });
});

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEdgeConfig } from '../edge/src/config/edge-config';
import { startLocalHost } from '../lambdas/src/local/local-host';
import { startLocalEdge } from '../lambdas/src/local/local-edge';
import { mixedDiskData } from './support/mixed-disk-data';

/**
 * `npm run bench -- deploy-stream`: the partition stream a deploying machine pulls from the
 * edge (rebuilt from cached chunks, each verified) against a raw baseline: the same data as
 * one zstd file served by a plain Node HTTP server and decompressed by the client
 * (`curl | zstd -d`). Same machine, same client, loopback, medians of several runs.
 */
const run = promisify(execFile);
const SIZE = Number(process.env.DEPLOY_BYTES ?? 512 * 1024 * 1024);
const RUNS = Number(process.env.DEPLOY_RUNS ?? 5);

for (const tool of ['curl', 'zstd']) {
  if (spawnSync('which', [tool]).status !== 0) {
    console.error(`deploy-stream needs ${tool} (apt-get install -y ${tool})`);
    process.exit(2);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'marrow-deploy-bench-'));
const data = mixedDiskData(SIZE);
const host = await startLocalHost({
  dataDir: join(dir, 'host'), host: '127.0.0.1', port: 0, mqttPort: 0, mqttWsPort: 0,
  tableName: 'catalogue', bucket: 'masters', version: 'bench', adminPassword: 'a long bench password',
});
const edge = await startLocalEdge(host.deps, host.apiUrl, loadEdgeConfig(undefined, {}, {
  dataDir: join(dir, 'edge'), http: { address: '127.0.0.1', port: 0 }, tftp: { enabled: false }, snapshotPollSeconds: 3600,
}));
try {
  const tenantId = host.firstStart!.tenantId;
  const token = (await (await fetch(`${host.apiUrl}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'a long bench password' }),
  })).json()).token;
  const admin = async (method: string, path: string, body?: unknown) =>
    (await fetch(`${host.apiUrl}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, 'x-marrow-tenant': tenantId, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })).json();
  const general = (await admin('get', '/v1/entities')).items[0].id;
  const mac = '52:54:00:44:00:01';
  await admin('post', '/v1/machines', { entityId: general, mac, hostname: 'bench-pc' });
  await edge.sync.syncNow();
  const session = async () => /marrow\.token=([A-Za-z0-9_-]+)/.exec(await (await fetch(`${edge.httpUrl}/boot.ipxe?mac=${mac}`)).text())![1]!;

  // Capture through the edge's own intake, then promote and put it in the menu.
  const captureToken = await session();
  const auth = { authorization: `Bearer ${captureToken}` };
  await fetch(`${edge.httpUrl}/imaging/capture/partition-table`, { method: 'POST', headers: auth, body: 'label: dos\n' });
  await fetch(`${edge.httpUrl}/imaging/capture/partitions/1`, { method: 'PUT', headers: { ...auth, 'x-marrow-tool': 'dd' }, body: new Uint8Array(data) });
  const { backupImageId } = await (await fetch(`${edge.httpUrl}/imaging/capture/complete`, { method: 'POST', headers: auth, body: '{"label":"dos"}' })).json();
  const master = await admin('post', `/v1/backup-images/${backupImageId}/promote`, { inDefaultStartupMenu: true });
  await edge.sync.syncNow();
  const deployToken = await session();
  const ours = `${edge.httpUrl}/imaging/deploy/partitions/1?master=${master.id}`;

  // The baseline: one zstd file (level 3, like our chunks), a plain HTTP server.
  const raw = join(dir, 'disk.raw');
  await writeFile(raw, data);
  execFileSync('zstd', ['-q', '-3', '-f', raw, '-o', `${raw}.zst`]);
  const plain = createServer((_req, res) => createReadStream(`${raw}.zst`).pipe(res));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
  const anchorUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/disk.raw.zst`;

  // Asynchronous on purpose: both servers live in this process and must keep serving.
  const time = async (command: string) => {
    const started = process.hrtime.bigint();
    const { stdout } = await run('bash', ['-o', 'pipefail', '-c', command], { maxBuffer: 1 << 20 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { mbps: SIZE / 1e6 / seconds, sha: stdout.split(' ')[0] ?? '' };
  };
  const expected = execFileSync('sha256sum', [raw], { encoding: 'utf8' }).split(' ')[0];
  const oursRuns: number[] = [];
  const anchorRuns: number[] = [];
  for (let round = 1; round <= RUNS; round++) {
    // Alternate the order so neither side always runs on a warmer machine.
    const runOurs = () => time(`curl -sf -H 'authorization: Bearer ${deployToken}' '${ours}' | sha256sum`);
    const runAnchor = () => time(`curl -sf '${anchorUrl}' | zstd -dc | sha256sum`);
    let o: { mbps: number; sha: string };
    let a: { mbps: number; sha: string };
    if (round % 2) {
      o = await runOurs();
      a = await runAnchor();
    } else {
      a = await runAnchor();
      o = await runOurs();
    }
    if (o.sha !== expected || a.sha !== expected) throw new Error('a stream did not rebuild the exact bytes');
    oursRuns.push(o.mbps);
    anchorRuns.push(a.mbps);
    console.log(`run ${round}: edge ${o.mbps.toFixed(0)} MB/s, curl | zstd -d ${a.mbps.toFixed(0)} MB/s`);
  }
  plain.close();
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const [o, a] = [median(oursRuns), median(anchorRuns)];
  console.log(`median over ${RUNS} runs of ${(SIZE / 1048576).toFixed(0)} MiB: edge ${o.toFixed(0)} MB/s, baseline ${a.toFixed(0)} MB/s`);
  console.log(JSON.stringify({ bench: 'deploy-stream', ours: Number(o.toFixed(1)), anchor: Number(a.toFixed(1)), ratio: Number((o / a).toFixed(2)), unit: 'MB/s', goal: 'ratio >= 0.95', runs: RUNS, bytes: SIZE }));
} finally {
  await edge.close();
  await host.close();
  await rm(dir, { recursive: true, force: true });
}

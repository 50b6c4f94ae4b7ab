/**
 * The Marrow side of pxe-boot.test.ts, as its own process inside the lab's "site" network
 * namespace: `ip netns exec NS node --import tsx test/e2e/support/pxe-site.ts '<PxeSiteOptions>'`.
 *
 * It runs the local control plane (API + embedded AWS, startLocalHost) and, separately, an
 * edge enrolled through that API (startLocalEdge) with ProxyDHCP, TFTP and HTTP boot on the
 * site address. Separately, so the control plane can be stopped while the edge keeps
 * serving from its stored snapshot.
 *
 * The test process lives in the root namespace and never sends traffic into the lab, so
 * everything is driven from here, over stdio:
 * - stdout carries JSON lines only: {"event":"ready",…} once up, then one
 *   {"id":…,"ok":true,"result":…} or {"id":…,"ok":false,"error":…} per command;
 * - stdin takes one JSON command per line (see `Command`);
 * - stderr carries the edge's and the host's own log lines (console.log is sent there).
 * It shuts down on SIGTERM, and when stdin ends (the test process went away).
 */
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { loadEdgeConfig } from '../../../edge/src/config/edge-config';
import type { RunningEdge } from '../../../edge/src/daemon';
import { startLocalHost, type LocalHost } from '../../../lambdas/src/local/local-host';
import { startLocalEdge } from '../../../lambdas/src/local/local-edge';
import { compressedSize, uniqueChunks } from '@marrow/shared';
import { ControlPlaneClient } from '../../../edge/src/catalogue/control-plane-client';
import { loadIdentity } from '../../../edge/src/catalogue/credential-store';
import { credentialFile, type EdgeConfig } from '../../../edge/src/config/edge-config';
import { ChunkStore } from '../../../edge/src/imagecache/chunk-store';
import { syncMaster, type SyncReport } from '../../../edge/src/imagecache/master-sync';

export interface PxeSiteOptions {
  /** Everything the control plane and the edge store (a fresh temporary directory). */
  dataDir: string;
  /** The edge's (and the API's) address on the site network, e.g. 10.77.0.1. */
  address: string;
  /** HTTP boot port (8080). */
  httpPort: number;
  /** Holds vmlinuz and initrd.gz of the imaging environment. */
  imagingDir: string;
  /** Debian ipxe's binaries (undionly.kpxe, snponly.efi…), served over TFTP. */
  ipxeDir: string;
  kernelArgs: string;
  adminPassword: string;
}

export type Command =
  /** A call to the control plane's API as the admin, in the first tenant. */
  | { id: number; cmd: 'api'; method: string; path: string; body?: unknown }
  /** One snapshot pull by the edge, now. */
  | { id: number; cmd: 'sync' }
  /** The iPXE script the edge serves a MAC (what iPXE would get after the first stage). */
  | { id: number; cmd: 'bootScript'; mac: string; platform?: string }
  /**
   * The site's appliance pre-fetches a master into a second, initially empty chunk cache
   * (as after its cache disk was replaced), with its own credentials, the way it does on a
   * sync-master command; answers the SyncReport and the master's whole compressed size.
   */
  | { id: number; cmd: 'freshCacheSync'; masterId: string }
  /** Closes the control plane (API, dynalite, s3rver, MQTT); the edge keeps running. */
  | { id: number; cmd: 'stopControlPlane' };

export interface PxeSiteReady {
  event: 'ready';
  apiUrl: string;
  edgeHttpUrl: string;
  tftpPort: number | null;
  proxyDhcpPorts: { dhcp: number; pxe: number } | null;
  tenantId: string;
  adminPassword: string;
}

export interface CacheSyncResult {
  report: SyncReport;
  /** The master's unique chunks, compressed: what shipping the whole image would move. */
  wholeBytes: number;
  /** The master's unique chunks (hash, compressed bytes, and the length of its delta when it has one). */
  chunks: { h: string; c: number; d?: number }[];
}

export interface SyncResult {
  controlPlaneReachable: boolean;
  lastError: string | null;
  snapshotVersion: string | null;
  machines: number;
  armedTasks: { mac: string; deploymentId: string | null }[];
}

const print = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
// stdout is the protocol: every log line (the edge logs with console.log) goes to stderr.
console.log = (...args: unknown[]) => process.stderr.write(`${args.map(String).join(' ')}\n`);
console.info = console.log;

const options = JSON.parse(process.argv[2] ?? '{}') as PxeSiteOptions;
let host: LocalHost | undefined;
let edge: RunningEdge | undefined;
let token = '';
let tenantId = '';
let edgeConfig: EdgeConfig | undefined;
let freshCache: { controlPlane: ControlPlaneClient; cache: ChunkStore } | undefined;

async function start(): Promise<void> {
  host = await startLocalHost({
    dataDir: join(options.dataDir, 'host'),
    host: options.address,
    port: 0,
    mqttPort: 0,
    mqttWsPort: 0,
    tableName: 'catalogue',
    bucket: 'masters',
    version: 'pxe-e2e',
    adminPassword: options.adminPassword,
  });
  // An empty environment: MARROW_EDGE_* of the caller must not leak into this edge.
  const config = (edgeConfig = loadEdgeConfig(undefined, {}, {
    dataDir: join(options.dataDir, 'edge'),
    http: { address: options.address, port: options.httpPort, publicUrl: `http://${options.address}:${options.httpPort}` },
    tftp: { enabled: true, address: options.address, port: 69 },
    proxyDhcp: { enabled: true, serverAddress: options.address },
    ipxeDir: options.ipxeDir,
    imaging: { dir: options.imagingDir, kernelArgs: options.kernelArgs },
    // The test syncs explicitly; polling stays as a safety net.
    snapshotPollSeconds: 2,
  }));
  edge = await startLocalEdge(host.deps, host.apiUrl, config);
  const login = await fetch(`${host.apiUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: options.adminPassword }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  token = ((await login.json()) as { token: string }).token;
  tenantId = host.firstStart!.tenantId;
  const ready: PxeSiteReady = {
    event: 'ready',
    apiUrl: host.apiUrl,
    edgeHttpUrl: edge.httpUrl,
    tftpPort: edge.tftpPort,
    proxyDhcpPorts: edge.proxyDhcpPorts,
    tenantId,
    adminPassword: options.adminPassword,
  };
  print(ready);
}

async function run(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'api': {
      if (!host) throw new Error('the control plane is stopped');
      const response = await fetch(`${host.apiUrl}${command.path}`, {
        method: command.method.toUpperCase(),
        headers: { authorization: `Bearer ${token}`, 'x-marrow-tenant': tenantId, 'content-type': 'application/json' },
        ...(command.body === undefined ? {} : { body: JSON.stringify(command.body) }),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    }
    case 'sync': {
      await edge!.sync.syncNow();
      const snapshot = edge!.sync.snapshot;
      const result: SyncResult = {
        controlPlaneReachable: edge!.sync.status.controlPlaneReachable,
        lastError: edge!.sync.status.lastError,
        snapshotVersion: snapshot?.version ?? null,
        machines: snapshot?.machines.length ?? 0,
        armedTasks: (snapshot?.armedTasks ?? []).map((t) => ({ mac: t.mac, deploymentId: t.deploymentId })),
      };
      return result;
    }
    case 'bootScript': {
      const url = `${edge!.httpUrl}/boot.ipxe?mac=${encodeURIComponent(command.mac)}&platform=${command.platform ?? 'pcbios'}`;
      const response = await fetch(url);
      return { status: response.status, text: await response.text() };
    }
    case 'freshCacheSync': {
      if (!freshCache) {
        const identity = await loadIdentity(credentialFile(edgeConfig!));
        if (!identity) throw new Error('the edge is not enrolled');
        freshCache = { controlPlane: new ControlPlaneClient(identity), cache: await ChunkStore.open(join(options.dataDir, 'fresh-cache'), 1e11) };
      }
      const report = await syncMaster(command.masterId, freshCache.cache, freshCache.controlPlane);
      const manifest = await freshCache.controlPlane.masterManifest(command.masterId);
      const result: CacheSyncResult = { report, wholeBytes: compressedSize(manifest), chunks: uniqueChunks(manifest).map(({ h, c, d }) => ({ h, c, ...(d ? { d } : {}) })) };
      return result;
    }
    case 'stopControlPlane': {
      const stopping = host;
      host = undefined;
      await stopping?.close();
      return { stopped: true };
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}`);
  }
}

let shuttingDown: Promise<void> | undefined;
function shutdown(code: number): Promise<void> {
  shuttingDown ??= (async () => {
    await edge?.close().catch((error: unknown) => process.stderr.write(`edge close failed: ${String(error)}\n`));
    await host?.close().catch((error: unknown) => process.stderr.write(`host close failed: ${String(error)}\n`));
    process.exit(code);
  })();
  return shuttingDown;
}
process.once('SIGTERM', () => void shutdown(0));
process.once('SIGINT', () => void shutdown(0));

try {
  await start();
} catch (error) {
  print({ event: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  await shutdown(3);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line.trim()) return;
  let command: Command;
  try {
    command = JSON.parse(line) as Command;
  } catch {
    print({ id: null, ok: false, error: `not JSON: ${line}` });
    return;
  }
  run(command).then(
    (result) => print({ id: command.id, ok: true, result }),
    (error: unknown) => print({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The test process holds our stdin: when it goes away, so do we.
lines.on('close', () => void shutdown(0));

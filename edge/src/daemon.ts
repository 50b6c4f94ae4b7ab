import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { publicHttpUrl, type EdgeConfig } from './config/edge-config';
import type { EdgeIdentity } from './catalogue/credential-store';
import { SnapshotStore } from './catalogue/snapshot-store';
import { SnapshotSync } from './catalogue/snapshot-sync';
import { createBootApp } from './http/boot-app';
import { createImagingApp } from './http/imaging-app';
import { MulticastSenders } from './multicast/multicast-senders';
import { siteInterface } from './multicast/site-interface';
import { findProgram } from './lifecycle/find-program';
import { ImagingSessions } from './tasks/imaging-sessions';
import { startProxyDhcp, type ProxyDhcpServer } from './proxydhcp/server';
import { createCompositeSource, createDirectorySource, createMappedFilesSource, startTftpServer, type TftpFileSource, type TftpServer } from './tftp';
import { WakeLog } from './tasks/wake-log';
import { closeAll } from './lifecycle/close-all';
import { createCommandExecutor } from './tasks/command-executor';
import { Outbox } from './telemetry/outbox';
import { ChunkStore } from './imagecache/chunk-store';
import { ChunkDecodePool } from './imagecache/chunk-decode-pool';
import { ArchiveFetches } from './imagecache/archive-fetches';
import { syncMaster } from './imagecache/master-sync';
import { ControlPlaneClient } from './catalogue/control-plane-client';
import { TelemetryAgent } from './telemetry/telemetry-agent';

/** Reported in health reports; bumped with releases of the appliance. */
export const EDGE_VERSION = '0.1.0';

export type ServiceState = 'running' | 'disabled' | 'failed';

export interface EdgeLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface RunningEdge {
  httpUrl: string;
  httpPort: number;
  tftpPort: number | null;
  proxyDhcpPorts: { dhcp: number; pxe: number } | null;
  sync: SnapshotSync;
  wakeLog: WakeLog;
  /** The master cache (chunks of captures and masters). */
  cache: ChunkStore;
  /** The worker threads that decompress and verify the chunks of deploy streams (stopped by `close()`). */
  decodePool: ChunkDecodePool;
  /** The cloud link (health, events, commands), when the edge has an MQTT identity. */
  telemetry: TelemetryAgent | undefined;
  services(): { proxyDhcp: ServiceState; tftp: ServiceState; http: ServiceState };
  close(): Promise<void>;
}

export class EdgeStartupError extends Error {}

/** iPXE binaries from Debian's `ipxe` package, served over TFTP under these names. */
const IPXE_FILES = ['undionly.kpxe', 'snponly.efi', 'ipxe.efi', 'ipxe.pxe', 'undionly.kkpxe'];

/**
 * Starts every boot service of this edge — HTTP boot, TFTP, ProxyDHCP when enabled — fed by
 * the catalogue snapshot it keeps in sync with the control plane.
 */
/** udpcast sessions for multicast deployments, when udp-sender and a site interface are there (else they stream over HTTP). */
function multicastSenders(config: EdgeConfig, log: EdgeLog): MulticastSenders | undefined {
  const udpSender = findProgram('udp-sender');
  const iface = siteInterface(config.multicast.interface, [config.proxyDhcp.serverAddress, config.http.address]);
  if (!udpSender || !iface) {
    log.info(`multicast deploys off (${!udpSender ? 'no udp-sender: install Debian\'s udpcast' : 'no site interface: set multicast.interface'}); multicast deployments stream over HTTP`);
    return undefined;
  }
  log.info(`multicast deploys on ${iface} from UDP port ${config.multicast.portBase}`);
  return new MulticastSenders({ ...config.multicast, interface: iface, command: [udpSender] }, (message) => log.info(message));
}

export async function startEdge(config: EdgeConfig, identity: EdgeIdentity, log: EdgeLog): Promise<RunningEdge> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = closeAll(closers);
  try {
    const wakeLog = new WakeLog();
    const sync = new SnapshotSync(identity, new SnapshotStore(join(config.dataDir, 'snapshot.json')), config.snapshotPollSeconds);
    await sync.start();
    closers.push(() => sync.stop());
    if (!sync.snapshot) log.warn(`no catalogue snapshot yet (${sync.status.lastError ?? 'unknown error'}); machines will be asked to retry`);

    const cache = await ChunkStore.open(join(config.dataDir, 'cache'), config.cacheQuotaBytes);
    const controlPlane = new ControlPlaneClient(identity);
    // One per edge: a master sync and the deploys running meanwhile download each chunk once.
    const fetches = new ArchiveFetches(cache, controlPlane);
    // Threads start with the first deploy stream; stopped after the HTTP server (closers run last first).
    const decodePool = new ChunkDecodePool();
    closers.push(() => decodePool.close());
    const sessions = new ImagingSessions();
    let telemetry: TelemetryAgent | undefined;
    const multicast = multicastSenders(config, log);
    if (multicast) closers.push(() => multicast.close());

    let baseUrl = '';
    const app = createBootApp({
      sessions,
      snapshot: () => sync.snapshot,
      wakeLog,
      baseUrl: () => baseUrl,
      ...(config.imaging.dir ? { imagingDir: config.imaging.dir } : {}),
      kernelArgs: config.imaging.kernelArgs,
      log: (message) => log.info(`HTTP: ${message}`),
    });
    app.route(
      '/',
      createImagingApp({
        sessions,
        cache,
        decoder: decodePool,
        fetches,
        controlPlane,
        tenantId: identity.tenantId,
        telemetry: () => telemetry,
        onRegistered: () => sync.syncNow(),
        ...(multicast ? { multicast } : {}),
      }),
    );
    const http = await listen(app.fetch, config.http.address, config.http.port);
    closers.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    const httpPort = (http.address() as AddressInfo).port;
    baseUrl = publicHttpUrl(config, httpPort);
    log.info(`HTTP boot serving ${baseUrl}/boot.ipxe`);

    let tftp: TftpServer | undefined;
    if (config.tftp.enabled) {
      tftp = await startTftpServer({
        address: config.tftp.address,
        port: config.tftp.port,
        source: await tftpSource(config),
        options: { busyPollMicros: config.tftp.busyPollMicros },
        log: (entry) => {
          if (entry.level === 'debug') return;
          const where = [entry.peer, entry.file].filter(Boolean).join(' ');
          (entry.level === 'info' ? log.info : log.warn)(`TFTP: ${entry.message}${where ? ` (${where})` : ''}`);
        },
      });
      closers.push(() => tftp!.close());
      log.info(`TFTP serving iPXE from ${config.ipxeDir} on ${config.tftp.address}:${tftp.port}`);
    }

    let proxy: ProxyDhcpServer | undefined;
    if (config.proxyDhcp.enabled) {
      const serverAddress = config.proxyDhcp.serverAddress;
      if (!serverAddress) throw new EdgeStartupError('ProxyDHCP needs proxyDhcp.serverAddress (this edge\'s IPv4 address on the site network)');
      proxy = await startProxyDhcp({
        address: config.proxyDhcp.address,
        interfaceAddress: serverAddress,
        ports: { dhcp: config.proxyDhcp.dhcpPort, pxe: config.proxyDhcp.pxePort },
        config: {
          serverAddress,
          tftpServer: serverAddress,
          httpBootUrl: `${baseUrl}/boot.ipxe`,
          bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi' },
        },
        log: {
          debug: () => undefined,
          info: (m, fields) => log.info(`ProxyDHCP: ${m}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
          warn: (m, fields) => log.warn(`ProxyDHCP: ${m}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
        },
      });
      closers.push(() => proxy!.close());
      log.info(`ProxyDHCP answering PXE clients on ${config.proxyDhcp.address} ports ${proxy.ports.dhcp}/${proxy.ports.pxe}`);
    }

    const services = () => ({
      proxyDhcp: (proxy ? 'running' : 'disabled') as ServiceState,
      tftp: (tftp ? 'running' : 'disabled') as ServiceState,
      http: 'running' as ServiceState,
    });
    if (identity.mqtt) {
      const outbox = new Outbox(join(config.dataDir, 'outbox.sqlite'));
      closers.push(() => outbox.close());
      for (const { id, type } of outbox.interruptedCommands) log.warn(`command ${id} (${type}) was interrupted by the last stop; it runs again when redelivered`);
      telemetry = new TelemetryAgent({
        identity: { ...identity, mqtt: identity.mqtt },
        outbox,
        health: {
          softwareVersion: EDGE_VERSION,
          intervalSeconds: config.healthIntervalSeconds,
          services,
          controlPlane: () => ({ reachable: sync.status.controlPlaneReachable, lastError: sync.status.lastError }),
          cache: () => ({ usedBytes: cache.usedBytes, quotaBytes: cache.quotaBytes }),
        },
        execute: createCommandExecutor({
          sync,
          syncMaster: (masterId) => syncMaster(masterId, cache, controlPlane, fetches),
          wakeLog,
          wakeTargets: [{ address: config.wakeOnLan.broadcast, port: config.wakeOnLan.port }],
          ...(config.proxyDhcp.serverAddress ? { bindAddress: config.proxyDhcp.serverAddress } : {}),
        }),
        log,
        pullPendingCommands: () => pullPendingCommands(identity),
      });
      telemetry.start();
      closers.push(() => telemetry!.stop());
    } else {
      log.warn('no MQTT identity from enrolment: no health reports or commands (enrol again with a newer control plane)');
    }

    return {
      httpUrl: baseUrl,
      telemetry,
      cache,
      decodePool,
      httpPort,
      tftpPort: tftp?.port ?? null,
      proxyDhcpPorts: proxy?.ports ?? null,
      sync,
      wakeLog,
      services,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

async function tftpSource(config: EdgeConfig): Promise<TftpFileSource> {
  const mapped: Record<string, string> = {};
  for (const name of IPXE_FILES) {
    const path = join(config.ipxeDir, name);
    if (existsSync(path)) mapped[name] = path;
  }
  const sources = [createMappedFilesSource(mapped)];
  if (config.tftp.root) sources.push(await createDirectorySource(config.tftp.root));
  return createCompositeSource(sources);
}

function listen(fetch: (request: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new EdgeStartupError(`HTTP port ${port} on ${hostname} is already in use`));
      else if (error.code === 'EACCES') reject(new EdgeStartupError(`binding HTTP port ${port} needs root or CAP_NET_BIND_SERVICE`));
      else reject(new EdgeStartupError(`cannot listen on ${hostname}:${port}: ${error.message}`));
    });
  });
}

/** Commands the control plane still holds for this edge (it may have been away longer than its MQTT session lasts). */
async function pullPendingCommands(identity: EdgeIdentity): Promise<unknown[]> {
  const response = await fetch(`${identity.controlPlaneUrl}/v1/edge/commands`, {
    headers: { authorization: `Bearer ${identity.credential}` },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`the control plane answered ${response.status}`);
  return ((await response.json()) as { items: unknown[] }).items;
}

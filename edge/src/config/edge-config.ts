import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The edge's one typed configuration, from a JSON file and MARROW_EDGE_* variables (the
 * variables win). Only the CLI builds it; every service receives the part it needs.
 */
const port = z.coerce.number().int().min(0).max(65535);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

export const edgeConfigSchema = z.strictObject({
  /** Snapshot, credential and caches live here. */
  dataDir: z.string().default('/var/lib/marrow-edge'),
  http: z
    .strictObject({
      address: z.string().default('0.0.0.0'),
      port: port.default(8080),
      /** How machines on the site reach this edge over HTTP, e.g. http://10.77.0.1:8080 (default: derived from address and port). */
      publicUrl: z.url().optional(),
    })
    .prefault({}),
  tftp: z
    .strictObject({
      enabled: bool.default(true),
      address: z.string().default('0.0.0.0'),
      port: port.default(69),
      /** Extra files to serve besides the iPXE binaries (optional). */
      root: z.string().optional(),
      /** Microseconds to poll for a client's ACK before sleeping (tftp/busy-poll.ts; 0 = never). */
      busyPollMicros: z.coerce.number().int().min(0).max(10_000).default(100),
    })
    .prefault({}),
  proxyDhcp: z
    .strictObject({
      /** Off where the site's own DHCP server hands out options 66/67. */
      enabled: bool.default(false),
      address: z.string().default('0.0.0.0'),
      /** This edge's address on the site network, announced as the boot server. */
      serverAddress: z.ipv4().optional(),
      dhcpPort: port.default(67),
      pxePort: port.default(4011),
    })
    .prefault({}),
  /** Where Debian's `ipxe` package puts undionly.kpxe, snponly.efi and ipxe.efi. */
  ipxeDir: z.string().default('/usr/lib/ipxe'),
  imaging: z
    .strictObject({
      /** Holds vmlinuz and initrd.gz of the imaging environment. */
      dir: z.string().optional(),
      kernelArgs: z.string().max(500).default('quiet'),
    })
    .prefault({}),
  /** Multicast deploys (udpcast's udp-sender, Debian package udpcast, on the site network). */
  multicast: z
    .strictObject({
      /** The site network's interface name (default: the one holding proxyDhcp.serverAddress, else the HTTP address). */
      interface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/).optional(),
      /** First of the UDP port pairs the sessions use (portBase + 2k, portBase + 2k + 1). */
      portBase: port.default(9000),
      maxSessions: z.coerce.number().int().min(1).max(64).default(8),
      /** Start a partition this long after its first machine joined, even if others have not. */
      maxWaitSeconds: z.coerce.number().int().min(1).max(3600).default(120),
    })
    .prefault({}),
  snapshotPollSeconds: z.coerce.number().int().min(1).max(3600).default(30),
  /** Disk the master cache may use; least recently used chunks are evicted beyond it. */
  cacheQuotaBytes: z.coerce.number().int().positive().default(50 * 1024 ** 3),
  /** Seconds between health reports; the control plane calls the edge Offline after three missed ones. */
  healthIntervalSeconds: z.coerce.number().int().min(1).max(3600).default(30),
  wakeOnLan: z
    .strictObject({
      /** Broadcast address of the site network (e.g. 10.77.0.255). */
      broadcast: z.ipv4().default('255.255.255.255'),
      port: port.default(9),
    })
    .prefault({}),
});
export type EdgeConfig = z.infer<typeof edgeConfigSchema>;

/** MARROW_EDGE_HTTP_PORT=8081 → { http: { port: '8081' } }; a single word maps to a top-level key. */
const envKeys: Record<string, string[]> = {
  MARROW_EDGE_DATA_DIR: ['dataDir'],
  MARROW_EDGE_HTTP_ADDRESS: ['http', 'address'],
  MARROW_EDGE_HTTP_PORT: ['http', 'port'],
  MARROW_EDGE_HTTP_PUBLIC_URL: ['http', 'publicUrl'],
  MARROW_EDGE_TFTP_ENABLED: ['tftp', 'enabled'],
  MARROW_EDGE_TFTP_ADDRESS: ['tftp', 'address'],
  MARROW_EDGE_TFTP_PORT: ['tftp', 'port'],
  MARROW_EDGE_TFTP_ROOT: ['tftp', 'root'],
  MARROW_EDGE_TFTP_BUSY_POLL_MICROS: ['tftp', 'busyPollMicros'],
  MARROW_EDGE_PROXYDHCP_ENABLED: ['proxyDhcp', 'enabled'],
  MARROW_EDGE_PROXYDHCP_ADDRESS: ['proxyDhcp', 'address'],
  MARROW_EDGE_PROXYDHCP_SERVER_ADDRESS: ['proxyDhcp', 'serverAddress'],
  MARROW_EDGE_PROXYDHCP_DHCP_PORT: ['proxyDhcp', 'dhcpPort'],
  MARROW_EDGE_PROXYDHCP_PXE_PORT: ['proxyDhcp', 'pxePort'],
  MARROW_EDGE_IPXE_DIR: ['ipxeDir'],
  MARROW_EDGE_IMAGING_DIR: ['imaging', 'dir'],
  MARROW_EDGE_IMAGING_KERNEL_ARGS: ['imaging', 'kernelArgs'],
  MARROW_EDGE_MULTICAST_INTERFACE: ['multicast', 'interface'],
  MARROW_EDGE_MULTICAST_PORT_BASE: ['multicast', 'portBase'],
  MARROW_EDGE_MULTICAST_MAX_WAIT_SECONDS: ['multicast', 'maxWaitSeconds'],
  MARROW_EDGE_SNAPSHOT_POLL_SECONDS: ['snapshotPollSeconds'],
  MARROW_EDGE_CACHE_QUOTA_BYTES: ['cacheQuotaBytes'],
  MARROW_EDGE_HEALTH_INTERVAL_SECONDS: ['healthIntervalSeconds'],
  MARROW_EDGE_WOL_BROADCAST: ['wakeOnLan', 'broadcast'],
  MARROW_EDGE_WOL_PORT: ['wakeOnLan', 'port'],
};

export class EdgeConfigError extends Error {}

/**
 * Reads the configuration: `defaults` (a host's own defaults, e.g. the local host's
 * unprivileged ports), then the file, then MARROW_EDGE_* variables.
 */
export function loadEdgeConfig(file: string | undefined, env: NodeJS.ProcessEnv, defaults: Record<string, unknown> = {}): Readonly<EdgeConfig> {
  let raw: Record<string, unknown> = structuredClone(defaults);
  if (file) {
    try {
      raw = { ...raw, ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) };
    } catch (error) {
      throw new EdgeConfigError(`cannot read the configuration file ${file}: ${(error as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(envKeys)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let target = raw;
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = value;
  }
  const unknown = Object.keys(env).filter((k) => k.startsWith('MARROW_EDGE_') && !(k in envKeys) && k !== 'MARROW_EDGE_CONFIG');
  if (unknown.length) throw new EdgeConfigError(`unknown setting(s) ${unknown.join(', ')}`);
  const parsed = edgeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new EdgeConfigError(`invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  config.dataDir = resolve(config.dataDir);
  return Object.freeze(config);
}

export function credentialFile(config: Pick<EdgeConfig, 'dataDir'>): string {
  return join(config.dataDir, 'credential.json');
}

/** The URL machines use to reach this edge's HTTP boot server. */
export function publicHttpUrl(config: EdgeConfig, boundPort: number): string {
  if (config.http.publicUrl) return config.http.publicUrl.replace(/\/+$/, '');
  const host = config.http.address === '0.0.0.0' ? (config.proxyDhcp.serverAddress ?? '127.0.0.1') : config.http.address;
  return `http://${host}:${boundPort}`;
}

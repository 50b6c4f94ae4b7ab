import { join, resolve } from 'node:path';
import { loadEdgeConfig, type EdgeConfig } from '../../../edge/src/config/edge-config';

/** The local host's configuration: one typed, frozen object; only main.ts builds it from the environment. */
export interface LocalHostConfig {
  /** Where dynalite, s3rver and aedes keep their data, plus the token secret. */
  dataDir: string;
  host: string;
  /** The API (and later the portal); 0 picks a free port. */
  port: number;
  mqttPort: number;
  mqttWsPort: number;
  tableName: string;
  bucket: string;
  /** First start only: the admin's password (otherwise one is generated and printed). */
  adminPassword?: string;
  version: string;
  /** The local edge; absent when MARROW_LOCAL_EDGE=off. */
  edge?: EdgeConfig;
}

export function readLocalHostConfig(env: NodeJS.ProcessEnv): Readonly<LocalHostConfig> {
  const port = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number (0–65535), not "${raw}"`);
    return value;
  };
  const dataDir = resolve(env.MARROW_DATA_DIR ?? '.marrow');
  const host = env.MARROW_HOST ?? '127.0.0.1';
  // The local edge runs unprivileged by default: TFTP on 6969, HTTP boot on 8081, no ProxyDHCP.
  // On a real site, run as root with MARROW_EDGE_TFTP_PORT=69 and MARROW_EDGE_PROXYDHCP_ENABLED=true.
  const edge =
    env.MARROW_LOCAL_EDGE === 'off'
      ? undefined
      : loadEdgeConfig(env.MARROW_EDGE_CONFIG, env, {
          dataDir: join(dataDir, 'edge'),
          http: { address: host, port: 8081 },
          tftp: { address: host, port: 6969 },
          // Wake-on-LAN stays on this machine until a site's broadcast address is configured.
          wakeOnLan: { broadcast: '127.255.255.255' },
        });
  return Object.freeze({
    dataDir,
    host,
    port: port('MARROW_PORT', 8080),
    mqttPort: port('MARROW_MQTT_PORT', 1883),
    mqttWsPort: port('MARROW_MQTT_WS_PORT', 8083),
    tableName: env.MARROW_TABLE_NAME ?? 'marrow-catalogue',
    bucket: env.MARROW_MASTERS_BUCKET ?? 'marrow-masters',
    ...(env.MARROW_ADMIN_PASSWORD ? { adminPassword: env.MARROW_ADMIN_PASSWORD } : {}),
    version: env.npm_package_version ?? '0.1.0',
    ...(edge ? { edge } : {}),
  });
}

import { readLocalHostConfig } from './local-config';
import { startLocalHost, type LocalHost } from './local-host';

/**
 * `npm start`: the whole of Marrow on this machine. Only this file reads the environment
 * and only it exits the process.
 */
async function main(): Promise<void> {
  const config = readLocalHostConfig(process.env);
  // Filled once started: a fatal error may come before (then there is nothing to close yet).
  const running: { host?: LocalHost } = {};
  const host = await startLocalHost(config, {
    onFatal: (error) => {
      console.error(`Marrow must stop: ${error.message}`);
      void (running.host?.close() ?? Promise.resolve()).finally(() => process.exit(1));
    },
  });
  running.host = host;
  console.log(`Marrow local host is running (data in ${config.dataDir})`);
  console.log(`  Portal       ${host.apiUrl}/`);
  console.log(`  API          ${host.apiUrl}/v1   (OpenAPI: ${host.apiUrl}/v1/openapi.json)`);
  console.log(`  MQTT broker  ${host.mqttUrl}`);
  if (host.edge) {
    console.log(`  Local edge   HTTP boot ${host.edge.httpUrl}/boot.ipxe, TFTP port ${host.edge.tftpPort ?? 'off'}, ProxyDHCP ${host.edge.proxyDhcpPorts ? 'on' : 'off'}`);
  }
  if (host.firstStart) {
    console.log('');
    console.log('First start: created tenant, entity "General" and the admin account.');
    console.log(`  username: ${host.firstStart.username}`);
    console.log(`  password: ${host.firstStart.password}`);
    console.log('  (shown only this once; keep it)');
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Marrow…`);
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    console.error(`Marrow could not start: a port is already in use (${message}). Set MARROW_PORT / MARROW_MQTT_PORT / MARROW_MQTT_WS_PORT.`);
  } else {
    console.error(`Marrow could not start: ${message}`);
  }
  process.exit(1);
});

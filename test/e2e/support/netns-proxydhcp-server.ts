/**
 * Marrow's ProxyDHCP as its own process, for e2e tests that run it inside a network
 * namespace: `node --import tsx netns-proxydhcp-server.ts '<ProxyDhcpOptions as JSON, no log>'`.
 * Prints JSON lines: {"event":"ready","ports":{…}} once listening, every log line as
 * {"event":"log","level":…,"message":…,…}, or {"event":"error","name":…,"message":…} and
 * exit code 3 when it cannot start. SIGTERM closes it.
 */
import type { ProxyDhcpLog } from '../../../edge/src/proxydhcp/proxy-dhcp-log';
import { type ProxyDhcpOptions, startProxyDhcp } from '../../../edge/src/proxydhcp/server';

const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};
const log: ProxyDhcpLog = {
  debug: (message, fields) => print({ event: 'log', level: 'debug', message, ...fields }),
  info: (message, fields) => print({ event: 'log', level: 'info', message, ...fields }),
  warn: (message, fields) => print({ event: 'log', level: 'warn', message, ...fields }),
};

const options = JSON.parse(process.argv[2] ?? '{}') as Omit<ProxyDhcpOptions, 'log'>;
try {
  const server = await startProxyDhcp({ ...options, log });
  print({ event: 'ready', ports: server.ports });
  process.once('SIGTERM', () => {
    void server.close().then(() => process.exit(0));
  });
} catch (error) {
  const { name, message } = error as Error;
  print({ event: 'error', name, message });
  process.exit(3);
}

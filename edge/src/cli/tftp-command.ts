import { parseArgs } from 'node:util';
import { createCompositeSource, createDirectorySource, createMappedFilesSource, DEFAULT_BUSY_POLL_MICROS, startTftpServer, TftpError, type TftpFileSource, type TftpLogEntry } from '../tftp/index';

/**
 * `marrow-edge tftp`: the TFTP server alone, serving one directory (plus explicitly mapped
 * files), until SIGINT or SIGTERM. Errors a person can act on (port in use, no root…) are
 * printed as one line and the command returns 1.
 */
const usage = `usage: marrow-edge tftp --root DIR [--port N] [--address A] [--map NAME=PATH]... [--verbose]

  --root DIR        directory served read-only (names are relative to it; ".." is refused)
  --port N          UDP port to listen on (default 69; 0 picks a free one)
  --address A       IP address to listen on (default 0.0.0.0)
  --map NAME=PATH   also serve the file at absolute PATH as NAME (repeatable),
                    e.g. --map undionly.kpxe=/usr/lib/ipxe/undionly.kpxe
  --busy-poll-us N  after a send, poll up to N µs for the client's ACK before sleeping
                    (default 100; 0 = never): faster lock-step transfers for some CPU
  --verbose         log every transfer`;

interface TftpCommandConfig {
  readonly root: string;
  readonly port: number;
  readonly address: string;
  readonly map: Readonly<Record<string, string>>;
  readonly verbose: boolean;
  readonly busyPollMicros: number;
}

class UsageError extends Error {}

function parseConfig(argv: string[]): TftpCommandConfig | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string' },
      port: { type: 'string', default: '69' },
      address: { type: 'string', default: '0.0.0.0' },
      map: { type: 'string', multiple: true, default: [] },
      verbose: { type: 'boolean', default: false },
      'busy-poll-us': { type: 'string', default: String(DEFAULT_BUSY_POLL_MICROS) },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.root) throw new UsageError('--root DIR is required');
  if (!/^[0-9]{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port must be a number 0..65535, not "${values.port}"`);
  const busyPoll = values['busy-poll-us'];
  if (!/^[0-9]{1,5}$/.test(busyPoll) || Number(busyPoll) > 10_000) throw new UsageError(`--busy-poll-us must be a number 0..10000, not "${busyPoll}"`);
  const map: Record<string, string> = {};
  for (const entry of values.map) {
    const at = entry.indexOf('=');
    if (at <= 0 || at === entry.length - 1) throw new UsageError(`--map wants NAME=PATH, not "${entry}"`);
    map[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return Object.freeze({ root: values.root, port: Number(values.port), address: values.address, map: Object.freeze(map), verbose: values.verbose, busyPollMicros: Number(busyPoll) });
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function printLog(verbose: boolean): (entry: TftpLogEntry) => void {
  return (entry) => {
    if (entry.level === 'error' || entry.level === 'warn') console.error(`tftp: ${entry.message}`);
    else if (verbose && entry.level === 'info' && entry.event !== 'listening') console.log(`tftp: ${entry.message}`);
  };
}

export async function main(argv: string[]): Promise<number> {
  let config: TftpCommandConfig | 'help';
  try {
    config = parseConfig(argv);
  } catch (error) {
    console.error(`marrow-edge tftp: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (config === 'help') {
    console.log(usage);
    return 0;
  }
  try {
    const sources: TftpFileSource[] = [];
    if (Object.keys(config.map).length > 0) sources.push(createMappedFilesSource(config.map));
    sources.push(await createDirectorySource(config.root));
    const server = await startTftpServer({
      address: config.address,
      port: config.port,
      source: createCompositeSource(sources),
      options: { busyPollMicros: config.busyPollMicros },
      log: printLog(config.verbose),
    });
    const stopped = waitForStopSignal();
    console.log(`TFTP serving ${config.root} on ${server.address}:${server.port}`);
    const signal = await stopped;
    console.log(`${signal}: stopping TFTP`);
    await server.close();
    return 0;
  } catch (error) {
    if (error instanceof TftpError) {
      console.error(`marrow-edge tftp: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

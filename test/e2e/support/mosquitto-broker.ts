import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * Debian's Eclipse Mosquitto (package mosquitto, 2.0.x) as a child process on 127.0.0.1:
 * an MQTT 3.1.1 broker that is not aedes, so a test can show the edge speaks plain MQTT.
 * Used by test/e2e/mosquitto.test.ts.
 */

/** Full path of the mosquitto binary (Debian installs it in /usr/sbin), or undefined. */
export function mosquittoPath(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'mosquitto');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export interface RunningMosquitto {
  url: string;
  port: number;
  /** Everything mosquitto logged so far (log_type all). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts mosquitto with a generated configuration: one listener on 127.0.0.1:port, anonymous
 * clients allowed (no ACLs: this broker stands in for the wire protocol, not for IoT Core's
 * policies), no persistence, logging everything to the console: to stderr, which mosquitto
 * writes line by line (its stdout is block-buffered when it is not a terminal, so a test
 * would read the log late). Resolves once the port accepts connections.
 */
export async function startMosquitto(binary: string, dir: string, port: number): Promise<RunningMosquitto> {
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(
    configFile,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type all', 'connection_messages true', 'log_timestamp true', ''].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not start on 127.0.0.1:${port} (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

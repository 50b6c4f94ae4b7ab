import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { startDynalite } from '../../lambdas/src/local/embedded/dynalite';

/**
 * dynalite in a process of its own, for the fleet bench's host: in the cloud DynamoDB is not
 * in the handler's process, so the emulator's CPU and garbage must not land on the event loop
 * being measured. Forked with `--import tsx` and the data directory as argument; sends
 * {"endpoint": …} when listening; stops (closing LevelDB) on "stop" or when its parent goes.
 */
if (process.send && process.argv[2] && import.meta.filename === resolve(process.argv[1] ?? '')) {
  const dynalite = await startDynalite({ path: process.argv[2], port: 0, host: '127.0.0.1' });
  const stop = () => void dynalite.close().finally(() => process.exit(0));
  process.on('message', (message) => message === 'stop' && stop());
  process.on('disconnect', stop);
  process.send({ endpoint: dynalite.endpoint });
}

export interface DynaliteProcess {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynaliteProcess(path: string): Promise<DynaliteProcess> {
  const child = fork(import.meta.filename, [path], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((resolveEndpoint, reject) => {
    child.once('message', (message: { endpoint?: string }) => (message.endpoint ? resolveEndpoint(message.endpoint) : reject(new Error(JSON.stringify(message)))));
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code} before it listened`)));
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    endpoint,
    close: async () => {
      child.send('stop');
      await exited;
    },
  };
}

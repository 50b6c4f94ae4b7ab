import dynalite from 'dynalite';
import { Level } from 'level';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { formatHost } from './endpoint';

export interface DynaliteOptions {
  /** LevelDB directory for data that outlives the process; in memory when undefined. */
  path?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningDynalite {
  endpoint: string;
  port: number;
  /** Stops the server and closes its LevelDB store, so the same path can be opened again. */
  close(): Promise<void>;
}

/**
 * Data directories open in this process. A second dynalite on the same LevelDB directory
 * does not fail politely: the lock error kills the process. We refuse it up front.
 */
const openPaths = new Set<string>();

/** DynamoDB emulated in-process (dynalite): the local host's and the tests' catalogue table. */
export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path === undefined ? undefined : resolve(options.path);
  if (path !== undefined) {
    if (openPaths.has(path)) throw new Error(`dynalite is already running on ${path}`);
    await assertUnlocked(path);
    openPaths.add(path);
  }

  // Tables turn ACTIVE after createTableMs; DynamoDB's realism costs every test start 0.5 s.
  const server = dynalite({ ...(path === undefined ? {} : { path }), createTableMs: 50 });
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  } catch (error) {
    if (path !== undefined) openPaths.delete(path);
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolveClose, rejectClose) => {
      // dynalite's close() waits for the HTTP server, then closes LevelDB (releasing its lock).
      server.close((error) => {
        if (path !== undefined) openPaths.delete(path);
        if (error) rejectClose(error);
        else resolveClose();
      });
      // SDK clients keep sockets alive; without this, close() would wait for them to time out.
      server.closeAllConnections();
    });
    return closing;
  };

  return { endpoint: `http://${formatHost(host)}:${port}`, port, close };
}

/**
 * Another process may hold the directory: opening it ourselves first turns that case into
 * an ordinary error (LEVEL_LOCKED) instead of dynalite bringing the process down.
 */
async function assertUnlocked(path: string): Promise<void> {
  const probe = new Level(path);
  try {
    await probe.open();
  } catch (error) {
    throw new Error(`the dynalite data directory ${path} is in use by another process`, { cause: error });
  }
  await probe.close();
}

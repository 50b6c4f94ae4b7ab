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

/** DynamoDB emulated in-process (dynalite): the tests' catalogue table. */
export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const host = options.host ?? '127.0.0.1';
  const claim = await claimDataPath(options.path);
  const server = dynalite({ ...(claim.path === undefined ? {} : { path: claim.path }), createTableMs: CREATE_TABLE_MS });
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  } catch (error) {
    await closeUnlistened(server);
    claim.release();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolveClose, rejectClose) => {
      // dynalite's close() waits for the HTTP server, then closes LevelDB (releasing its lock).
      server.close((error) => {
        claim.release();
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
 * dynalite opens its LevelDB store when created but closes it only through server.close(),
 * which refuses a server that never listened: listening on a free loopback port first is the
 * one way to release the directory's lock after a failed listen (e.g. EADDRINUSE).
 */
function closeUnlistened(server: ReturnType<typeof dynalite>): Promise<void> {
  server.removeAllListeners('listening'); // the failed listen's own callback
  return new Promise<void>((resolveClose) => {
    server.listen(0, '127.0.0.1', () => server.close(() => resolveClose()));
  });
}

/** Tables turn ACTIVE after createTableMs; DynamoDB's realism would cost every start 0.5 s. */
export const CREATE_TABLE_MS = 50;

export interface DataPathClaim {
  /** The absolute LevelDB directory, or undefined for an in-memory store. */
  path: string | undefined;
  release(): void;
}

/**
 * Reserves a LevelDB directory for one dynalite of this process (in-process or on a thread),
 * after proving no other process holds it.
 */
export async function claimDataPath(path: string | undefined): Promise<DataPathClaim> {
  if (path === undefined) return { path: undefined, release: () => undefined };
  const absolute = resolve(path);
  if (openPaths.has(absolute)) throw new Error(`dynalite is already running on ${absolute}`);
  openPaths.add(absolute);
  try {
    await assertUnlocked(absolute);
  } catch (error) {
    openPaths.delete(absolute);
    throw error;
  }
  return { path: absolute, release: () => openPaths.delete(absolute) };
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

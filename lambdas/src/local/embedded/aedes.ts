import { Aedes, type AedesOptions } from 'aedes';
import aedesPersistenceLevel from 'aedes-persistence-level';
import { Level } from 'level';
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';

export interface AedesServerOptions {
  /** LevelDB directory for retained messages, sessions and queued QoS1; in memory when undefined. */
  persistenceDir?: string;
  /** MQTT over TCP (edges); 0 (the default) picks a free port. */
  tcpPort?: number;
  /** MQTT over WebSocket (the portal, like IoT Core's wss endpoint); 0 (the default) picks a free port. */
  wsPort?: number;
  host?: string;
  authenticate?: AedesOptions['authenticate'];
  authorizePublish?: AedesOptions['authorizePublish'];
  authorizeSubscribe?: AedesOptions['authorizeSubscribe'];
  /** Runs once the broker exists and before it accepts connections (e.g. the host's own subscriptions, so no early message is missed). */
  beforeListen?: (broker: Aedes) => Promise<void>;
}

export interface RunningAedes {
  broker: Aedes;
  tcpPort: number;
  wsPort: number;
  /** Disconnects every client, stops both listeners and closes the LevelDB store. */
  close(): Promise<void>;
}

/**
 * The local stand-in for IoT Core's MQTT broker. Clients must speak MQTT 3.1.1 (aedes
 * refuses MQTT 5; IoT Core accepts 3.1.1, so edges use it everywhere).
 */
export async function startAedes(options: AedesServerOptions = {}): Promise<RunningAedes> {
  const host = options.host ?? '127.0.0.1';
  let db: Level<string, string> | undefined;
  if (options.persistenceDir !== undefined) {
    await mkdir(options.persistenceDir, { recursive: true });
    db = new Level<string, string>(options.persistenceDir);
    await db.open();
  }
  const persistence = db === undefined ? undefined : aedesPersistenceLevel(db);

  const broker = await Aedes.createBroker({
    ...(persistence === undefined ? {} : { persistence }),
    ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate }),
    ...(options.authorizePublish === undefined ? {} : { authorizePublish: options.authorizePublish }),
    ...(options.authorizeSubscribe === undefined ? {} : { authorizeSubscribe: options.authorizeSubscribe }),
  });

  const sockets = new Set<Socket>();
  const tcpServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const httpServer = createHttpServer();
  const wsServer = new WebSocketServer({ server: httpServer });
  wsServer.on('connection', (ws, request) => {
    broker.handle(createWebSocketStream(ws), request);
  });

  try {
    await options.beforeListen?.(broker);
    await listen(tcpServer, options.tcpPort ?? 0, host);
    await listen(httpServer, options.wsPort ?? 0, host);
  } catch (error) {
    await shutDown();
    throw error;
  }

  async function shutDown(): Promise<void> {
    const tcpClosed = closeServer(tcpServer);
    const httpClosed = closeServer(httpServer);
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    // Clients aedes already let go of may still hold sockets: drop them so the ports free up.
    for (const socket of sockets) socket.destroy();
    for (const ws of wsServer.clients) ws.terminate();
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    await Promise.all([tcpClosed, httpClosed]);
    // aedes' close() leaves the persistence open; LevelDB's lock must go before a restart.
    await persistence?.destroy();
    if (db !== undefined && db.status !== 'closed') await db.close();
  }

  let closing: Promise<void> | undefined;
  return {
    broker,
    tcpPort: (tcpServer.address() as AddressInfo).port,
    wsPort: (httpServer.address() as AddressInfo).port,
    close: () => (closing ??= shutDown()),
  };
}

function listen(server: NetServer | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Resolves once the server stopped listening (a server that never listened counts as closed). */
function closeServer(server: NetServer | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

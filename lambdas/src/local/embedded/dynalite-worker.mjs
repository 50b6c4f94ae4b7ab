// The thread of startDynaliteThread (dynalite-thread.ts): dynalite's HTTP server and LevelDB
// store on an event loop and heap of their own. Plain JavaScript on purpose: worker threads
// do not inherit tsx's loader, and vitest does not transform them.
//
// workerData: { path?: string, port: number, host: string, createTableMs: number }
// Out: { listening: port } once listening, or { error } when it cannot listen.
// In:  'close' → closes the server and the store (dynalite closes LevelDB after the server),
//      then { closed: true } or { closed: true, error } and the thread ends.
import dynalite from 'dynalite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, port, host, createTableMs } = workerData;
const server = dynalite({ ...(path === undefined ? {} : { path }), createTableMs });

server.once('error', (error) => {
  // dynalite closes its store only through close(), which refuses a server that never
  // listened: listen on a free loopback port first, so the directory's lock is released (without
  // the first listen's callback, which would announce that port as ours).
  server.removeAllListeners('listening');
  server.listen(0, '127.0.0.1', () =>
    server.close(() => {
      parentPort.postMessage({ error: `${error.code ?? 'error'}: ${error.message}` });
      parentPort.close();
    }),
  );
});
server.listen(port, host, () => parentPort.postMessage({ listening: server.address().port }));

parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.close((error) => {
    parentPort.postMessage(error ? { closed: true, error: error.message } : { closed: true });
    parentPort.close();
  });
  // SDK clients keep sockets alive; without this, close() would wait for them to time out.
  server.closeAllConnections();
});

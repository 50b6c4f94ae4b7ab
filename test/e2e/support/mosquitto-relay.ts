import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 between an MQTT client and its broker, so a test can cut the
 * connection the way a power cut or a pulled cable does: both sockets reset (RST), no MQTT
 * DISCONNECT, which is what makes a broker publish the client's last will
 * ([MQTT-3.1.2-8]: the will is published when the network connection closes without one).
 */
export interface TcpRelay {
  port: number;
  /** Connections relayed so far (each reconnection of the client is one more). */
  readonly accepted: number;
  /** Resets every open connection, on both sides. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const server = createServer((downstream) => {
    accepted++;
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.once('error', drop);
      socket.once('close', drop);
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    cut: () => {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        for (const socket of pair) socket.resetAndDestroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) for (const socket of pair) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

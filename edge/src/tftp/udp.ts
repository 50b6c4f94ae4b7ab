import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * UDP sockets for TFTP. Addresses are always IP literals, so name lookup is answered on the
 * spot: Node's default (dns.lookup) defers every send to the next tick.
 */
function literalLookup(family: 4 | 6) {
  return (address: string, _options: unknown, callback: (error: null, address: string, family: number) => void): void => callback(null, address, family);
}

export function createUdpSocket(address: string, options: { reuseAddr?: boolean } = {}): Socket {
  const family = isIPv6(address) ? 6 : 4;
  return createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup(family) as never, reuseAddr: options.reuseAddr ?? false });
}

/** Binds, resolving with the bound port or rejecting with the bind error (EADDRINUSE, EACCES…). */
export function bindUdp(socket: Socket, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}

export function connectUdp(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.connect(port, address, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound, or already closed
    }
  });
}

/**
 * Sends without ever throwing: a reply to an unusable address (say, a spoofed source port
 * 0) is dropped, not a crash. Asynchronous failures arrive as the socket's 'error' event.
 */
export function sendQuietly(socket: Socket, packet: Buffer, port: number, address: string): void {
  try {
    socket.send(packet, port, address);
  } catch {
    // nothing to tell: the peer cannot be answered
  }
}

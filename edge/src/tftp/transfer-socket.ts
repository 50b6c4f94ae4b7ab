import type { Socket } from 'node:dgram';
import type { TftpRequestContext } from './file-source';
import { encodeError, parsePacket, type TftpPacket } from './packet-codec';
import { ErrorCode } from './protocol';
import { bindUdp, closeUdp, connectUdp, createUdpSocket, sendQuietly } from './udp';

/**
 * The sockets of one transfer. The transfer's own ephemeral port on the listener's address
 * is the server's transfer ID (RFC 1350 §4). Two sockets share that port (SO_REUSEADDR):
 *
 * - the data socket is connected to the client, so the kernel hands it exactly the
 *   client's datagrams and sends DATA without a route lookup or an address per packet;
 * - the guard socket is not connected, so it receives everything else sent to the port,
 *   and answers it with ERROR 5 "unknown transfer ID" while the transfer carries on
 *   (RFC 1350 §4: such a packet "should not disturb the source"). Linux delivers a
 *   datagram to the socket matching most of its addresses: the connected one wins for
 *   the client.
 *
 * A connected socket also learns of ICMP port unreachable: a client that went away makes
 * `onGone` fire instead of being retried for the whole give-up time.
 */
export interface TransferSocket {
  readonly port: number;
  send(packet: Buffer): void;
  close(): Promise<void>;
}

export interface TransferSocketEvents {
  readonly onPacket: (packet: TftpPacket) => void;
  /** The client's port is closed (ECONNREFUSED from an ICMP port unreachable). */
  readonly onGone: () => void;
  readonly onError: (error: Error) => void;
}

const UNKNOWN_TID = encodeError(ErrorCode.UNKNOWN_TRANSFER_ID, 'unknown transfer ID');

export async function openTransferSocket(address: string, peer: TftpRequestContext, events: TransferSocketEvents): Promise<TransferSocket> {
  const guard: Socket = createUdpSocket(address, { reuseAddr: true });
  const data: Socket = createUdpSocket(address, { reuseAddr: true });
  try {
    const port = await bindUdp(guard, address, 0);
    await bindUdp(data, address, port);
    await connectUdp(data, peer.remoteAddress, peer.remotePort);
    return wire(guard, data, port, events);
  } catch (error) {
    await Promise.all([closeUdp(guard), closeUdp(data)]);
    throw error;
  }
}

function wire(guard: Socket, data: Socket, port: number, events: TransferSocketEvents): TransferSocket {
  let closed: Promise<void> | undefined;
  guard.on('error', events.onError);
  guard.on('message', (_message, from) => {
    // RFC 768: source port 0 means "no reply expected".
    if (from.port !== 0) sendQuietly(guard, UNKNOWN_TID, from.port, from.address);
  });
  data.on('error', (error: NodeJS.ErrnoException) => {
    if (closed !== undefined) return;
    if (error.code === 'ECONNREFUSED') events.onGone();
    else events.onError(error);
  });
  data.on('message', (message) => {
    const parsed = parsePacket(message);
    if (parsed.ok) events.onPacket(parsed.packet);
  });
  return {
    port,
    send: (packet) => {
      if (closed !== undefined) return;
      try {
        data.send(packet);
      } catch {
        // the socket is closing; the transfer is ending anyway
      }
    },
    close: () => (closed ??= Promise.all([closeUdp(data), closeUdp(guard)]).then(() => undefined)),
  };
}

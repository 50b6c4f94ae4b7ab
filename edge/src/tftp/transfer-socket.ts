import type { Socket } from 'node:dgram';
import type { TftpRequestContext } from './file-source';
import { encodeError, parsePacket, type TftpPacket } from './packet-codec';
import { ErrorCode } from './protocol';
import { bindUdp, closeUdp, createUdpSocket, sendQuietly } from './udp';

/**
 * The socket of one transfer: its own ephemeral port on the listener's address, which is
 * the server's transfer ID (RFC 1350 §4). Packets from the client's TID go to `onPacket`;
 * a packet from any other address or port gets ERROR 5 "unknown transfer ID" and the
 * transfer carries on (RFC 1350 §4: "…this should not disturb the source").
 */
export interface TransferSocket {
  readonly port: number;
  send(packet: Buffer): void;
  close(): Promise<void>;
}

const UNKNOWN_TID = encodeError(ErrorCode.UNKNOWN_TRANSFER_ID, 'unknown transfer ID');

export async function openTransferSocket(
  address: string,
  peer: TftpRequestContext,
  onPacket: (packet: TftpPacket) => void,
  onError: (error: Error) => void,
): Promise<TransferSocket> {
  const socket: Socket = createUdpSocket(address);
  const port = await bindUdp(socket, address, 0).catch(async (error: unknown) => {
    await closeUdp(socket);
    throw error;
  });
  const { remoteAddress, remotePort } = peer;
  socket.on('error', onError);
  socket.on('message', (message, from) => {
    if (from.port !== remotePort || from.address !== remoteAddress) {
      // RFC 768: source port 0 means "no reply expected".
      if (from.port !== 0) sendQuietly(socket, UNKNOWN_TID, from.port, from.address);
      return;
    }
    const parsed = parsePacket(message);
    if (parsed.ok) onPacket(parsed.packet);
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    send: (packet) => {
      if (closed === undefined) sendQuietly(socket, packet, remotePort, remoteAddress);
    },
    close: () => (closed ??= closeUdp(socket)),
  };
}

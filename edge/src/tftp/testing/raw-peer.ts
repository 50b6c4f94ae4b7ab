import { createSocket, type Socket } from 'node:dgram';
import { parsePacket, type TftpPacket } from '../packet-codec';

/**
 * A bare UDP socket on 127.0.0.1 for tests that misbehave on purpose (drop packets, repeat
 * ACKs, never answer, send garbage): it records every datagram it receives.
 */
export interface Received {
  readonly packet: TftpPacket | null;
  readonly raw: Buffer;
  readonly port: number;
}

export class RawPeer {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];
  private cursor = 0;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (raw, from) => {
      const parsed = parsePacket(raw);
      this.received.push({ packet: parsed.ok ? parsed.packet : null, raw, port: from.port });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RawPeer(socket, socket.address().port);
  }

  send(packet: Buffer, port: number): void {
    this.socket.send(packet, port, '127.0.0.1');
  }

  /** The next datagram not yet returned by `next`, or null after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<Received | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.received.length) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received[this.cursor++]!;
  }

  /** Every datagram arriving within `ms` (after those already returned). */
  async drain(ms: number): Promise<Received[]> {
    await new Promise((r) => setTimeout(r, ms));
    const rest = this.received.slice(this.cursor);
    this.cursor = this.received.length;
    return rest;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

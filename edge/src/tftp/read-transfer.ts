import type { DataPackets } from './data-packets';
import { encodeError, encodeOack, printable, type TftpOption, type TftpPacket } from './packet-codec';
import { ErrorCode, Opcode } from './protocol';

/**
 * One read transfer after its request was accepted: OACK, then DATA in windows, until the
 * last block is acknowledged. It takes parsed packets from its peer (the caller has already
 * checked the TID) and answers through `send`; it owns no socket.
 *
 * - RFC 2347 §2: with an OACK, DATA 1 waits for ACK 0.
 * - RFC 7440 §4: up to `windowsize` blocks go out back to back; an ACK of block k says the
 *   client holds everything up to k, and the next window starts at k+1 (after a gap the
 *   client acknowledges the last block it got in order, so this is also the resend).
 * - RFC 1123 §4.2.3.1: a duplicate ACK never causes a resend (the Sorcerer's Apprentice
 *   bug); only the retransmission timer does.
 * - RFC 1350 §2: on timeout the unacknowledged window (or the OACK) is sent again; the wait
 *   doubles each time, and after `maxRetries` the transfer ends with ERROR 0 "timed out".
 * - RFC 1350 §7: an ERROR from the client ends the transfer without an answer.
 */

export interface ReadTransferSettings {
  readonly windowsize: number;
  /** Base retransmission timeout (RFC 2349 timeout option, or the server default). */
  readonly timeoutMs: number;
  /** The wait doubles per retry up to this. */
  readonly maxTimeoutMs: number;
  readonly maxRetries: number;
  /** OACK options (RFC 2347), empty for a client that sent none we accept. */
  readonly oack: readonly TftpOption[];
}

export interface TransferReport {
  readonly ok: boolean;
  /** Why it failed, for the log ("timed out", "client sent ERROR 1 …"). */
  readonly reason?: string;
  readonly blocksAcknowledged: number;
  readonly octetsAcknowledged: number;
  readonly packetsSent: number;
  readonly retransmissions: number;
}

type Phase = 'oack' | 'data' | 'done';

export class ReadTransfer {
  private phase: Phase = 'oack';
  /** Highest block the client has acknowledged (absolute, never wraps). */
  private acked = 0;
  /** Next block to send in the current window, and the window's last block. */
  private next = 1;
  private windowEnd = 0;
  /** Bumped whenever the window restarts, so a send waiting for a read knows it is stale. */
  private generation = 0;
  private retries = 0;
  private timer: NodeJS.Timeout | undefined;
  private packetsSent = 0;
  private retransmissions = 0;
  private deadline = 0;
  private timerFiresAt = 0;

  constructor(
    private readonly packets: DataPackets,
    private readonly settings: ReadTransferSettings,
    private readonly send: (packet: Buffer) => void,
    private readonly onEnd: (report: TransferReport) => void,
  ) {}

  get finished(): boolean {
    return this.phase === 'done';
  }

  start(): void {
    if (this.settings.oack.length > 0) {
      this.sendOack();
    } else {
      this.phase = 'data';
      this.sendWindow();
    }
  }

  handle(packet: TftpPacket): void {
    if (this.phase === 'done') return;
    if (packet.opcode === Opcode.ERROR) {
      this.end(false, `client sent ERROR ${packet.code}: ${printable(packet.message)}`);
    } else if (packet.opcode === Opcode.ACK) {
      this.acknowledge(packet.block);
    }
    // Anything else from our peer is not part of a read transfer; like tftpd-hpa we ignore it.
  }

  /** Ends the transfer from the server's side (shutdown), telling the client. */
  abort(message: string): void {
    if (this.phase === 'done') return;
    this.send(encodeError(ErrorCode.NOT_DEFINED, message));
    this.end(false, message);
  }

  /** Ends the transfer without a word: there is nobody left to tell. */
  stop(reason: string): void {
    if (this.phase === 'done') return;
    this.end(false, reason);
  }

  private acknowledge(block: number): void {
    if (this.phase === 'oack') {
      if (block !== 0) return; // RFC 2347 §2: only ACK 0 confirms the OACK
      this.phase = 'data';
      this.retries = 0;
      this.sendWindow();
      return;
    }
    // How many new blocks this ACK covers, modulo the 16-bit wrap (RFC 1350 §5).
    const advance = (block - this.acked) & 0xffff;
    const inFlight = this.next - 1 - this.acked;
    if (advance === 0 || advance > inFlight) return; // duplicate or stale: no resend (RFC 1123 §4.2.3.1)
    this.acked += advance;
    this.retries = 0;
    if (this.acked >= this.packets.totalBlocks) {
      this.end(true);
      return;
    }
    this.packets.release(this.acked);
    this.sendWindow();
  }

  private sendOack(): void {
    this.send(encodeOack(this.settings.oack));
    this.packetsSent++;
    this.arm();
  }

  /** (Re)starts the window after the last acknowledged block. */
  private sendWindow(): void {
    this.generation++;
    this.next = this.acked + 1;
    this.windowEnd = Math.min(this.acked + this.settings.windowsize, this.packets.totalBlocks);
    this.pump();
  }

  private pump(): void {
    while (this.next <= this.windowEnd) {
      const packet = this.packets.packet(this.next);
      if (packet === undefined) {
        const generation = this.generation;
        this.packets.ready(this.next).then(
          () => {
            if (generation === this.generation && this.phase === 'data') this.pump();
          },
          (error: unknown) => this.failRead(error),
        );
        return;
      }
      this.send(packet);
      this.packetsSent++;
      this.next++;
    }
    this.arm();
  }

  /**
   * (Re)starts the retransmission timer. One timer per transfer, re-armed lazily: a packet
   * only moves the deadline, and the timer, when it fires early, sleeps for the rest.
   */
  private arm(): void {
    const wait = Math.min(this.settings.timeoutMs * 2 ** this.retries, Math.max(this.settings.maxTimeoutMs, this.settings.timeoutMs));
    this.deadline = Date.now() + wait;
    if (this.timer !== undefined && this.timerFiresAt <= this.deadline) return;
    clearTimeout(this.timer);
    this.timerFiresAt = this.deadline;
    this.timer = setTimeout(this.onTimer, wait);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.phase === 'done') return;
    const left = this.deadline - Date.now();
    if (left > 0) {
      this.timerFiresAt = this.deadline;
      this.timer = setTimeout(this.onTimer, left);
      return;
    }
    this.timedOut();
  };

  private timedOut(): void {
    if (this.phase === 'done') return;
    if (this.retries >= this.settings.maxRetries) {
      this.send(encodeError(ErrorCode.NOT_DEFINED, 'timed out'));
      this.end(false, 'timed out');
      return;
    }
    this.retries++;
    if (this.phase === 'oack') {
      this.retransmissions++;
      this.sendOack();
    } else {
      this.retransmissions += Math.max(1, this.next - 1 - this.acked);
      this.sendWindow();
    }
  }

  private failRead(error: unknown): void {
    if (this.phase === 'done') return;
    const reason = `read error: ${error instanceof Error ? error.message : String(error)}`;
    this.send(encodeError(ErrorCode.NOT_DEFINED, 'read error'));
    this.end(false, reason);
  }

  private end(ok: boolean, reason?: string): void {
    this.phase = 'done';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.onEnd({
      ok,
      ...(reason === undefined ? {} : { reason }),
      blocksAcknowledged: this.acked,
      octetsAcknowledged: Math.min(this.acked * this.packets.blksize, this.packets.size),
      packetsSent: this.packetsSent,
      retransmissions: this.retransmissions,
    });
  }
}

import { createHash } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { TftpError } from './errors';
import { encodeAck, encodeError, encodeRequest, parsePacket, type TftpOption, type TftpPacket } from './packet-codec';
import { DEFAULT_BLKSIZE, ErrorCode, Opcode, OptionName } from './protocol';
import { bindUdp, closeUdp, createUdpSocket, sendQuietly } from './udp';

/**
 * A small TFTP read client (RFC 1350, 2347, 2348, 2349, 7440): fetches one file into memory.
 * The edge uses it to probe its own boot service; tests and benchmarks use it as a client
 * that is not the server's own code path.
 */

export interface FetchTftpOptions {
  readonly host: string;
  readonly port: number;
  readonly filename: string;
  /** Default "octet". */
  readonly mode?: 'octet' | 'netascii';
  readonly blksize?: number;
  readonly windowsize?: number;
  /** Ask for tsize (RFC 2349). */
  readonly tsize?: boolean;
  /** RFC 2349 timeout option, in seconds. */
  readonly timeoutOption?: number;
  /** Further options, sent as given (e.g. unknown ones). */
  readonly extraOptions?: readonly TftpOption[];
  /** Client retransmission timeout (default 1000 ms) and tries (default 5). */
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Local address to bind (default: 127.0.0.1 for a loopback host, else any). */
  readonly localAddress?: string;
  /** Keep the content (default true); false keeps only its size and sha256. */
  readonly keep?: boolean;
}

export interface FetchTftpResult {
  readonly data: Buffer | null;
  readonly size: number;
  readonly sha256: string;
  /** Options the server acknowledged, or null if it sent no OACK. */
  readonly oack: Readonly<Record<string, string>> | null;
  readonly dataPackets: number;
  readonly serverPort: number;
}

/** The server answered with an ERROR packet (RFC 1350 §5), or stopped answering. */
export class TftpClientError extends TftpError {
  constructor(
    message: string,
    readonly tftpCode: number | null,
  ) {
    super(message);
  }
}

export function fetchTftp(options: FetchTftpOptions): Promise<FetchTftpResult> {
  const requested: TftpOption[] = [];
  if (options.blksize !== undefined) requested.push({ name: OptionName.BLKSIZE, value: String(options.blksize) });
  if (options.windowsize !== undefined) requested.push({ name: OptionName.WINDOWSIZE, value: String(options.windowsize) });
  if (options.tsize) requested.push({ name: OptionName.TSIZE, value: '0' });
  if (options.timeoutOption !== undefined) requested.push({ name: OptionName.TIMEOUT, value: String(options.timeoutOption) });
  requested.push(...(options.extraOptions ?? []));
  const socket = createUdpSocket(options.host);
  const local = options.localAddress ?? (options.host.startsWith('127.') ? '127.0.0.1' : options.host.includes(':') ? '::' : '0.0.0.0');
  return bindUdp(socket, local, 0).then(
    () => new ClientTransfer(socket, options, requested).run(),
    async (error: unknown) => {
      await closeUdp(socket);
      throw error;
    },
  );
}

class ClientTransfer {
  private serverPort: number | null = null;
  private blksize = DEFAULT_BLKSIZE;
  private windowsize = 1;
  private oack: Record<string, string> | null = null;
  /** Last block received in order (absolute), and blocks since our last ACK. */
  private received = 0;
  private sinceAck = 0;
  private ackedGap = -1;
  private dataPackets = 0;
  private size = 0;
  private readonly chunks: Buffer[] = [];
  private readonly hash = createHash('sha256');
  private lastSent: Buffer;
  private tries = 0;
  private timer: NodeJS.Timeout | undefined;
  private settle!: { resolve: (r: FetchTftpResult) => void; reject: (e: Error) => void };

  constructor(
    private readonly socket: Socket,
    private readonly options: FetchTftpOptions,
    requested: TftpOption[],
  ) {
    this.lastSent = encodeRequest(Opcode.RRQ, options.filename, options.mode ?? 'octet', requested);
  }

  run(): Promise<FetchTftpResult> {
    return new Promise<FetchTftpResult>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.socket.on('message', (message, from) => this.onMessage(message, from.address, from.port));
      this.socket.on('error', (error) => this.fail(error));
      this.transmit(this.lastSent, this.options.port);
    }).finally(() => {
      clearTimeout(this.timer);
      void closeUdp(this.socket);
    });
  }

  private transmit(packet: Buffer, port = this.serverPort ?? this.options.port): void {
    this.lastSent = packet;
    sendQuietly(this.socket, packet, port, this.options.host);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.timedOut(), this.options.timeoutMs ?? 1000);
  }

  private timedOut(): void {
    if (++this.tries > (this.options.retries ?? 5)) {
      this.fail(new TftpClientError(`no answer from ${this.options.host}:${this.serverPort ?? this.options.port}`, null));
      return;
    }
    this.transmit(this.lastSent);
  }

  private onMessage(message: Buffer, address: string, port: number): void {
    if (port === 0) return;
    if (this.serverPort === null) this.serverPort = port; // RFC 1350 §4: the first answer fixes the server's TID
    if (port !== this.serverPort) {
      sendQuietly(this.socket, encodeError(ErrorCode.UNKNOWN_TRANSFER_ID, 'unknown transfer ID'), port, address);
      return;
    }
    const parsed = parsePacket(message);
    if (!parsed.ok) return;
    this.onPacket(parsed.packet);
  }

  private onPacket(packet: TftpPacket): void {
    switch (packet.opcode) {
      case Opcode.ERROR:
        this.fail(new TftpClientError(`server sent ERROR ${packet.code}: ${packet.message}`, packet.code));
        return;
      case Opcode.OACK:
        if (this.received > 0 || this.dataPackets > 0) return;
        this.oack = Object.fromEntries(packet.options.map((o) => [o.name, o.value]));
        this.blksize = Number(this.oack[OptionName.BLKSIZE] ?? DEFAULT_BLKSIZE);
        this.windowsize = Number(this.oack[OptionName.WINDOWSIZE] ?? 1);
        this.tries = 0;
        this.transmit(encodeAck(0)); // RFC 2347 §2: ACK 0 confirms the OACK
        return;
      case Opcode.DATA:
        this.onData(packet.block, packet.data);
        return;
      default:
        return;
    }
  }

  private onData(block: number, data: Buffer): void {
    this.dataPackets++;
    if (block !== ((this.received + 1) & 0xffff)) {
      // RFC 7440 §4: on a gap, acknowledge the last block received in order, once per gap.
      if (this.ackedGap !== this.received) {
        this.ackedGap = this.received;
        this.sinceAck = 0;
        this.transmit(encodeAck(this.received));
      }
      return;
    }
    this.received++;
    this.sinceAck++;
    this.tries = 0;
    this.size += data.length;
    this.hash.update(data);
    if (this.options.keep !== false) this.chunks.push(data);
    const last = data.length < this.blksize;
    if (last || this.sinceAck >= this.windowsize) {
      this.sinceAck = 0;
      this.transmit(encodeAck(this.received));
    }
    if (last) {
      clearTimeout(this.timer);
      this.settle.resolve({
        data: this.options.keep === false ? null : Buffer.concat(this.chunks),
        size: this.size,
        sha256: this.hash.digest('hex'),
        oack: this.oack,
        dataPackets: this.dataPackets,
        serverPort: this.serverPort!,
      });
    }
  }

  private fail(error: Error): void {
    this.settle.reject(error);
  }
}

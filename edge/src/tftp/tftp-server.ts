import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { DataPackets } from './data-packets';
import { TftpAddressUnavailableError, TftpError, TftpPortInUseError, TftpPortPermissionError, TftpStartupError } from './errors';
import type { TftpFileSource, TftpRequestContext } from './file-source';
import { encodeError, parsePacket } from './packet-codec';
import { BusyPoll } from './busy-poll';
import { BLKSIZE_MAX, BLKSIZE_MIN, ErrorCode, Opcode, WINDOWSIZE_MAX } from './protocol';
import { ReadTransfer } from './read-transfer';
import { handleRequest, type AcceptedRequest } from './request-handler';
import { silentLog, type TftpLog } from './tftp-log';
import { openTransferSocket, type TransferSocket } from './transfer-socket';
import { bindUdp, closeUdp, createUdpSocket, sendQuietly } from './udp';

/**
 * The TFTP listener: requests arrive on `port` (69 in production), each accepted read
 * request runs on its own socket (RFC 1350 §4) until done, many at once.
 * Read-only: write requests are refused (design §6).
 */

export interface TftpServerOptions {
  /** Retransmissions of one packet or window before giving up (default 5). */
  readonly maxRetries?: number;
  /** Retransmission timeout when the client does not send one (default 1000 ms). */
  readonly timeoutMs?: number;
  /** The timeout doubles per retry up to this (default 10 000 ms). */
  readonly maxTimeoutMs?: number;
  /** Largest blksize granted (default and ceiling 65464, RFC 2348 §2). */
  readonly maxBlksize?: number;
  /** Largest windowsize granted (default and ceiling 65535, RFC 7440 §3). */
  readonly maxWindowsize?: number;
  /** Transfers at once; beyond this requests get ERROR 0 "server busy" (default 1000). */
  readonly maxTransfers?: number;
  /**
   * After sending a packet that awaits an ACK, keep polling instead of sleeping for up to this
   * many microseconds (busy-poll.ts; default 100, 0 = never).
   */
  readonly busyPollMicros?: number;
}

/** Enough for a client on the same machine or a fast LAN to answer (a loopback round trip is ~20–40 µs). */
export const DEFAULT_BUSY_POLL_MICROS = 100;

export interface StartTftpServerParams {
  /** An IP address of this machine ("0.0.0.0" for all IPv4, "::" for all IPv6). */
  readonly address: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly source: TftpFileSource;
  readonly options?: TftpServerOptions;
  readonly log?: TftpLog;
}

export interface TftpStats {
  readonly activeTransfers: number;
  readonly transfersStarted: number;
  readonly transfersCompleted: number;
  readonly transfersFailed: number;
  readonly requestsRefused: number;
  readonly octetsSent: number;
}

export interface TftpServer {
  readonly address: string;
  readonly port: number;
  stats(): TftpStats;
  /** Stops listening, ends running transfers with ERROR 0 "server shutting down", releases every socket and file. */
  close(): Promise<void>;
}

interface Running {
  readonly transfer: ReadTransfer;
  readonly socket: TransferSocket;
}

/** Maps a bind error to the startup error a person can act on. */
export function bindFailure(error: unknown, address: string, port: number): TftpStartupError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new TftpPortInUseError(address, port, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new TftpPortPermissionError(port, { cause: error });
  if (code === 'EADDRNOTAVAIL') return new TftpAddressUnavailableError(address, { cause: error });
  return new TftpStartupError(`cannot listen on ${address}:${port}: ${(error as Error).message}`, { cause: error });
}

function checkRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new TftpError(`TFTP option ${name} must be an integer in ${min}..${max}, not ${value}`);
  return value;
}

export async function startTftpServer(params: StartTftpServerParams): Promise<TftpServer> {
  const { address, source } = params;
  const log = params.log ?? silentLog;
  const o = params.options ?? {};
  if (isIP(address) === 0) throw new TftpStartupError(`TFTP address must be an IP address, not "${address}"`);
  checkRange('port', params.port, 0, 65535);
  const maxRetries = checkRange('maxRetries', o.maxRetries ?? 5, 0, 100);
  const timeoutMs = checkRange('timeoutMs', o.timeoutMs ?? 1000, 1, 255_000);
  const maxTimeoutMs = checkRange('maxTimeoutMs', o.maxTimeoutMs ?? 10_000, 1, 3_600_000);
  const maxTransfers = checkRange('maxTransfers', o.maxTransfers ?? 1000, 1, 100_000);
  const busyPoll = new BusyPoll(checkRange('busyPollMicros', o.busyPollMicros ?? DEFAULT_BUSY_POLL_MICROS, 0, 10_000));
  const limits = {
    maxBlksize: checkRange('maxBlksize', o.maxBlksize ?? BLKSIZE_MAX, BLKSIZE_MIN, BLKSIZE_MAX),
    maxWindowsize: checkRange('maxWindowsize', o.maxWindowsize ?? WINDOWSIZE_MAX, 1, WINDOWSIZE_MAX),
    defaultTimeoutMs: timeoutMs,
  };

  const listener: Socket = createUdpSocket(address);
  let port: number;
  try {
    port = await bindUdp(listener, address, params.port);
  } catch (error) {
    await closeUdp(listener);
    throw bindFailure(error, address, params.port);
  }

  /** Peers ("address:port") with a request being opened or a transfer running: a repeated RRQ from one is a retransmission. */
  const busyPeers = new Set<string>();
  const running = new Map<string, Running>();
  /** Requests being opened and transfers being torn down, awaited by close(). */
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  const counters = { transfersStarted: 0, transfersCompleted: 0, transfersFailed: 0, requestsRefused: 0, octetsSent: 0 };
  const track = (work: Promise<void>): void => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const startTransfer = async (request: AcceptedRequest): Promise<void> => {
    const { context, file, negotiated } = request;
    const peer = `${context.remoteAddress}:${context.remotePort}`;
    // The socket exists before the transfer it feeds.
    const ref: { transfer?: ReadTransfer } = {};
    let socket: TransferSocket | undefined;
    try {
      if (closing) throw new TftpError('server shutting down');
      socket = await openTransferSocket(address, context, {
        onPacket: (packet) => ref.transfer?.handle(packet),
        onGone: () => ref.transfer?.stop('the client went away (ICMP port unreachable)'),
        onError: (error) => {
          log({ level: 'warn', event: 'transfer-socket-error', message: `transfer socket error: ${error.message}`, peer, file: request.filename, error });
          ref.transfer?.abort('server socket error');
        },
      });
      // close() may have run while the socket was being opened: it has already aborted the
      // running transfers and would not see this one.
      if (closing) throw new TftpError('server shutting down');
    } catch (error) {
      await Promise.all([socket?.close(), file.close().catch(() => undefined)]);
      log({ level: 'warn', event: 'transfer-not-started', message: `cannot start transfer of ${request.filename}: ${(error as Error).message}`, peer, error });
      if (!closing) sendQuietly(listener, encodeError(ErrorCode.NOT_DEFINED, 'server busy, try again'), context.remotePort, context.remoteAddress);
      return;
    }
    const settings = { windowsize: negotiated.windowsize, timeoutMs: negotiated.timeoutMs, maxTimeoutMs, maxRetries, oack: request.oack };
    const send = (packet: Buffer): void => {
      socket.send(packet);
      busyPoll.awaitReply();
    };
    const transfer = new ReadTransfer(new DataPackets(file, negotiated.blksize), settings, send, (report) => {
      running.delete(peer);
      busyPeers.delete(peer);
      counters.octetsSent += report.octetsAcknowledged;
      if (report.ok) counters.transfersCompleted++;
      else counters.transfersFailed++;
      log({
        level: report.ok ? 'info' : 'warn',
        event: report.ok ? 'transfer-done' : 'transfer-failed',
        message: report.ok ? `sent ${request.filename} to ${peer}` : `transfer of ${request.filename} to ${peer} failed: ${report.reason}`,
        peer,
        file: request.filename,
        ...report,
      });
      track(Promise.all([socket.close(), file.close().catch(() => undefined)]).then(() => undefined));
    });
    ref.transfer = transfer;
    running.set(peer, { transfer, socket });
    counters.transfersStarted++;
    log({
      level: 'info',
      event: 'transfer-start',
      message: `sending ${request.filename} (${file.size} octets, blksize ${negotiated.blksize}, windowsize ${negotiated.windowsize}) to ${peer}`,
      peer,
      file: request.filename,
      size: file.size,
      mode: request.mode,
      blksize: negotiated.blksize,
      windowsize: negotiated.windowsize,
      tid: socket.port,
    });
    transfer.start();
  };

  const deps = { source, limits, log, startTransfer };
  listener.on('error', (error) => log({ level: 'error', event: 'listener-error', message: `TFTP listener error: ${error.message}`, error }));
  listener.on('message', (message, from) => {
    // RFC 768: source port 0 means "no reply expected".
    if (closing || from.port === 0) return;
    const context: TftpRequestContext = { remoteAddress: from.address, remotePort: from.port };
    const peer = `${from.address}:${from.port}`;
    const parsed = parsePacket(message);
    const reply = (packet: Buffer): void => {
      counters.requestsRefused++;
      if (!closing) sendQuietly(listener, packet, from.port, from.address);
    };
    let claimed = false;
    if (parsed.ok && parsed.packet.opcode === Opcode.RRQ) {
      // A client repeats its RRQ when our first answer is slow or lost: one transfer per client port.
      if (busyPeers.has(peer)) return;
      if (busyPeers.size >= maxTransfers) {
        reply(encodeError(ErrorCode.NOT_DEFINED, 'server busy, try again'));
        return;
      }
      busyPeers.add(peer);
      claimed = true;
    }
    track(
      handleRequest(parsed, context, deps, reply)
        .catch((error: unknown) => log({ level: 'error', event: 'request-error', message: `request from ${peer} failed: ${(error as Error).message}`, peer, error }))
        .finally(() => {
          // A refused request frees its peer now; an accepted one when its transfer ends. Only
          // the RRQ that claimed the peer frees it: a stray ACK or junk from a peer whose RRQ
          // is still being opened must not let a second RRQ start a second transfer.
          if (claimed && !running.has(peer)) busyPeers.delete(peer);
        }),
    );
  });

  log({ level: 'info', event: 'listening', message: `TFTP listening on ${address}:${port}`, address, port });

  return {
    address,
    port,
    stats: () => ({ activeTransfers: running.size, ...counters }),
    async close() {
      if (closing) return;
      closing = true;
      busyPoll.stop();
      await closeUdp(listener);
      for (const { transfer } of [...running.values()]) transfer.abort('server shutting down');
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      log({ level: 'info', event: 'closed', message: `TFTP stopped on ${address}:${port}` });
    },
  };
}

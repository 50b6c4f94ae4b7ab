import { TftpRefusalError } from './errors';
import type { TftpFile, TftpFileSource, TftpRequestContext } from './file-source';
import { netasciiFile } from './netascii';
import { negotiateOptions, oackOptions, type NegotiatedOptions, type NegotiationLimits } from './option-negotiation';
import { encodeError, printable, type ParseResult, type TftpOption } from './packet-codec';
import { ErrorCode, Mode, Opcode } from './protocol';
import type { TftpLog } from './tftp-log';

/**
 * What the server does with a packet that arrives on its well-known port (RFC 1350 §4: a
 * transfer starts with a request to port 69). It takes the parsed packet and a `reply`
 * that answers from the listening port, and hands an accepted read request to
 * `startTransfer`, which gives it its own TID.
 */

export interface AcceptedRequest {
  readonly context: TftpRequestContext;
  readonly filename: string;
  readonly mode: string;
  readonly file: TftpFile;
  readonly negotiated: NegotiatedOptions;
  /** Options for the OACK (RFC 2347 §2); empty means no OACK. */
  readonly oack: readonly TftpOption[];
}

export interface RequestHandlerDeps {
  readonly source: TftpFileSource;
  readonly limits: NegotiationLimits;
  readonly log: TftpLog;
  readonly startTransfer: (request: AcceptedRequest) => Promise<void>;
}

function peerOf(context: TftpRequestContext): string {
  return `${context.remoteAddress}:${context.remotePort}`;
}

export async function handleRequest(parsed: ParseResult, context: TftpRequestContext, deps: RequestHandlerDeps, reply: (packet: Buffer) => void): Promise<void> {
  const peer = peerOf(context);
  const refuse = (code: ErrorCode, message: string, fields: Record<string, unknown> = {}): void => {
    deps.log({ level: 'info', event: 'request-refused', message: `refused: ${message}`, peer, code, ...fields });
    reply(encodeError(code, message));
  };

  if (!parsed.ok) {
    refuse(ErrorCode.ILLEGAL_OPERATION, `illegal TFTP operation: ${parsed.reason}`);
    return;
  }
  const packet = parsed.packet;
  switch (packet.opcode) {
    case Opcode.RRQ:
      break;
    case Opcode.WRQ:
      refuse(ErrorCode.ACCESS_VIOLATION, 'access violation: this TFTP server is read-only', { file: printable(packet.filename) });
      return;
    case Opcode.ERROR:
      // RFC 1350 §7: an ERROR is never answered (no error ping-pong between servers).
      deps.log({ level: 'debug', event: 'stray-packet', message: `ERROR ${packet.code} on the listening port ignored`, peer });
      return;
    case Opcode.ACK:
      // Late ACKs land here, and tftp-hpa's client ACKs the ERROR that refused its request.
      deps.log({ level: 'debug', event: 'stray-packet', message: `ACK ${packet.block} on the listening port ignored`, peer });
      return;
    default:
      refuse(ErrorCode.ILLEGAL_OPERATION, `illegal TFTP operation: opcode ${packet.opcode} is not a request`);
      return;
  }

  const filename = printable(packet.filename);
  if (packet.mode !== Mode.OCTET && packet.mode !== Mode.NETASCII) {
    // RFC 1350 §2: "mail" only makes sense for WRQ; anything else is not a mode.
    refuse(ErrorCode.ILLEGAL_OPERATION, `illegal TFTP operation: transfer mode "${printable(packet.mode)}" is not supported (use octet or netascii)`, { file: filename });
    return;
  }
  const negotiation = negotiateOptions(packet.options, deps.limits);
  if (!negotiation.ok) {
    refuse(negotiation.code, `option negotiation failed: ${negotiation.message}`, { file: filename });
    return;
  }

  let file: TftpFile;
  try {
    file = await deps.source.open(packet.filename, context);
    if (packet.mode === Mode.NETASCII) file = await netasciiFile(file, filename);
  } catch (error) {
    if (error instanceof TftpRefusalError) {
      refuse(error.tftpCode, error.message, { file: filename });
    } else {
      const message = error instanceof Error ? error.message : String(error);
      deps.log({ level: 'warn', event: 'open-failed', message: `cannot serve ${filename}: ${message}`, peer, file: filename, error });
      reply(encodeError(ErrorCode.NOT_DEFINED, `cannot read ${filename}`));
    }
    return;
  }
  await deps.startTransfer({
    context,
    filename,
    mode: packet.mode,
    file,
    negotiated: negotiation.options,
    oack: oackOptions(negotiation.options, file.size),
  });
}

import { DATA_HEADER_OCTETS, Opcode, REQUEST_MAX_OCTETS } from './protocol';

/**
 * TFTP packets as bytes and back (RFC 1350 §5, RFC 2347 §2). Parsing never throws: a
 * packet is either understood or comes back with the reason it is not, which the server
 * turns into an ERROR 4 or a silent drop.
 */

/** One RFC 2347 option as sent: names are case-insensitive, so they are kept lower-cased. */
export interface TftpOption {
  readonly name: string;
  readonly value: string;
}

/** RFC 1350 §5 fig. 5-1 (RRQ/WRQ), with RFC 2347 §2 options after the mode. */
export interface RequestPacket {
  readonly opcode: typeof Opcode.RRQ | typeof Opcode.WRQ;
  readonly filename: string;
  /** Lower-cased ("octet", "netascii", "mail", or anything a client made up). */
  readonly mode: string;
  readonly options: readonly TftpOption[];
}
/** RFC 1350 §5 fig. 5-2. */
export interface DataPacket {
  readonly opcode: typeof Opcode.DATA;
  readonly block: number;
  readonly data: Buffer;
}
/** RFC 1350 §5 fig. 5-3. */
export interface AckPacket {
  readonly opcode: typeof Opcode.ACK;
  readonly block: number;
}
/** RFC 1350 §5 fig. 5-4. */
export interface ErrorPacket {
  readonly opcode: typeof Opcode.ERROR;
  readonly code: number;
  readonly message: string;
}
/** RFC 2347 §2. */
export interface OackPacket {
  readonly opcode: typeof Opcode.OACK;
  readonly options: readonly TftpOption[];
}
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

export type ParseResult = { readonly ok: true; readonly packet: TftpPacket } | { readonly ok: false; readonly reason: string };

const NUL = 0;

function malformed(reason: string): ParseResult {
  return { ok: false, reason };
}

/** Splits NUL-terminated strings from `start`; `null` when the last one lacks its NUL. */
function splitStrings(buf: Buffer, start: number, encoding: BufferEncoding): string[] | null {
  const strings: string[] = [];
  let from = start;
  while (from < buf.length) {
    const end = buf.indexOf(NUL, from);
    if (end < 0) return null;
    strings.push(buf.toString(encoding, from, end));
    from = end + 1;
  }
  return strings;
}

/** Pairs option strings; some PXE ROMs pad requests with NULs, so trailing empty strings are dropped. */
function pairOptions(strings: string[]): TftpOption[] | string {
  let count = strings.length;
  while (count > 0 && strings[count - 1] === '') count--;
  const options: TftpOption[] = [];
  for (let i = 0; i < count; i += 2) {
    const name = strings[i]!;
    if (name === '') return 'empty option name';
    if (i + 1 >= count) return `option "${printable(name)}" has no value`;
    options.push({ name: name.toLowerCase(), value: strings[i + 1]! });
  }
  return options;
}

function parseRequest(buf: Buffer, opcode: typeof Opcode.RRQ | typeof Opcode.WRQ): ParseResult {
  // RFC 2347 §2: "the total length of the request ... must not exceed 512 octets".
  if (buf.length > REQUEST_MAX_OCTETS) return malformed(`request longer than ${REQUEST_MAX_OCTETS} octets`);
  const filenameEnd = buf.indexOf(NUL, 2);
  if (filenameEnd < 0) return malformed('file name not terminated by NUL');
  if (filenameEnd === 2) return malformed('empty file name');
  const filename = buf.toString('utf8', 2, filenameEnd);
  const rest = splitStrings(buf, filenameEnd + 1, 'latin1');
  if (rest === null) return malformed('mode or option not terminated by NUL');
  const [mode, ...optionStrings] = rest;
  if (!mode) return malformed('missing transfer mode');
  const options = pairOptions(optionStrings);
  if (typeof options === 'string') return malformed(options);
  return { ok: true, packet: { opcode, filename, mode: mode.toLowerCase(), options } };
}

export function parsePacket(buf: Buffer): ParseResult {
  if (buf.length < 2) return malformed(`packet of ${buf.length} octet(s) has no opcode`);
  const opcode = buf.readUInt16BE(0);
  switch (opcode) {
    case Opcode.RRQ:
    case Opcode.WRQ:
      return parseRequest(buf, opcode);
    case Opcode.DATA:
      if (buf.length < DATA_HEADER_OCTETS) return malformed('DATA without block number');
      return { ok: true, packet: { opcode, block: buf.readUInt16BE(2), data: buf.subarray(DATA_HEADER_OCTETS) } };
    case Opcode.ACK:
      if (buf.length < 4) return malformed('ACK without block number');
      return { ok: true, packet: { opcode, block: buf.readUInt16BE(2) } };
    case Opcode.ERROR: {
      if (buf.length < 4) return malformed('ERROR without error code');
      // RFC 1350 §5 wants a NUL after the message; a missing one costs nothing to forgive.
      const end = buf.indexOf(NUL, 4);
      const message = buf.toString('latin1', 4, end < 0 ? buf.length : end);
      return { ok: true, packet: { opcode, code: buf.readUInt16BE(2), message } };
    }
    case Opcode.OACK: {
      const strings = splitStrings(buf, 2, 'latin1');
      if (strings === null) return malformed('OACK option not terminated by NUL');
      const options = pairOptions(strings);
      if (typeof options === 'string') return malformed(options);
      return { ok: true, packet: { opcode, options } };
    }
    default:
      return malformed(`unknown opcode ${opcode}`);
  }
}

/** Makes a client-supplied string safe to quote in a log line or an ERROR message. */
export function printable(text: string, max = 64): string {
  const clean = text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

function strings(parts: readonly string[], encoding: BufferEncoding): Buffer[] {
  return parts.flatMap((part) => [Buffer.from(part, encoding), Buffer.alloc(1)]);
}

function withOpcode(opcode: number, tail: Buffer[]): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(opcode, 0);
  return Buffer.concat([head, ...tail]);
}

export function encodeRequest(opcode: typeof Opcode.RRQ | typeof Opcode.WRQ, filename: string, mode: string, options: readonly TftpOption[] = []): Buffer {
  return withOpcode(opcode, [...strings([filename], 'utf8'), ...strings([mode, ...options.flatMap((o) => [o.name, o.value])], 'latin1')]);
}

export function encodeAck(block: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(Opcode.ACK, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

export function encodeData(block: number, data: Buffer): Buffer {
  const buf = Buffer.alloc(DATA_HEADER_OCTETS + data.length);
  buf.writeUInt16BE(Opcode.DATA, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  data.copy(buf, DATA_HEADER_OCTETS);
  return buf;
}

/** RFC 1350 §5: ErrMsg is netascii; we keep it printable ASCII and short enough for any MTU. */
export function encodeError(code: number, message: string): Buffer {
  const ascii = message.replace(/[^\x20-\x7e]/g, '?').slice(0, 400);
  const buf = Buffer.alloc(4 + ascii.length + 1);
  buf.writeUInt16BE(Opcode.ERROR, 0);
  buf.writeUInt16BE(code, 2);
  buf.write(ascii, 4, 'latin1');
  return buf;
}

export function encodeOack(options: readonly TftpOption[]): Buffer {
  return withOpcode(Opcode.OACK, strings(options.flatMap((o) => [o.name, o.value]), 'latin1'));
}

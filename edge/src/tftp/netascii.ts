import { bufferFile } from './buffer-file';
import { TftpRefusalError } from './errors';
import type { TftpFile } from './file-source';

/**
 * netascii transfers (RFC 1350 §1 and appendix I, which point to the Telnet rules of
 * RFC 764): every LF goes on the wire as CR LF and every bare CR as CR NUL, byte by byte,
 * as tftpd-hpa does; the client undoes it, so a file round-trips unchanged.
 *
 * Our choice: a netascii request is served by converting the whole file in memory, which
 * keeps tsize exact (RFC 2349 §2 counts octets on the wire) and retransmission simple.
 * That is meant for text (configs, scripts); files above `NETASCII_MAX_SOURCE_OCTETS` are
 * refused with a message that says to ask in octet mode.
 */
export const NETASCII_MAX_SOURCE_OCTETS = 16 * 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;

export function toNetascii(source: Buffer): Buffer {
  let extra = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === CR || c === LF) extra++;
  }
  if (extra === 0) return source;
  const out = Buffer.allocUnsafe(source.length + extra);
  let o = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === LF) {
      out[o++] = CR;
      out[o++] = LF;
    } else if (c === CR) {
      out[o++] = CR;
      out[o++] = 0;
    } else {
      out[o++] = c;
    }
  }
  return out;
}

/** The inverse, as a netascii client applies it (used by tests and the probe client). */
export function fromNetascii(wire: Buffer): Buffer {
  const out = Buffer.allocUnsafe(wire.length);
  let o = 0;
  for (let i = 0; i < wire.length; i++) {
    const c = wire[i]!;
    if (c === CR && (wire[i + 1] === LF || wire[i + 1] === 0)) {
      out[o++] = wire[i + 1] === LF ? LF : CR;
      i++;
    } else {
      out[o++] = c;
    }
  }
  return out.subarray(0, o);
}

/** Reads `file` whole and serves its netascii rendering; closes `file` either way. */
export async function netasciiFile(file: TftpFile, name: string): Promise<TftpFile> {
  try {
    if (file.size > NETASCII_MAX_SOURCE_OCTETS) {
      throw new TftpRefusalError(`${name} is too large for netascii mode (over ${NETASCII_MAX_SOURCE_OCTETS >> 20} MiB); request it in octet mode`);
    }
    const content = Buffer.allocUnsafe(file.size);
    const read = await file.read(content, 0, file.size, 0);
    return bufferFile(toNetascii(content.subarray(0, read)));
  } finally {
    await file.close();
  }
}

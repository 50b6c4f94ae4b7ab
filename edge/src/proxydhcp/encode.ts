import { DhcpOption } from './dhcp-options';
import { type DhcpPacket, HeaderLayout, MAGIC_COOKIE, octetsOfAddress } from './dhcp-packet';
import { DhcpEncodeError } from './errors';
import { writeOptionArea } from './option-area';

/**
 * RFC 1542 §2.1: a BOOTP message is at least 300 octets (RFC 951's 64-octet vend field);
 * some PXE ROMs drop anything shorter, so replies are padded up to it.
 */
export const MINIMUM_MESSAGE_LENGTH = 300;

/**
 * Writes a DHCP message (RFC 2131 §2, Figure 1). Options go into the options field only,
 * in the map's order, long ones split per RFC 3396, ended by End (RFC 2132 §3.2). Throws
 * DhcpEncodeError for values that cannot be written, which only a bug or a bad
 * configuration produces: replies are built by Marrow, not by the network.
 */
export function encodeDhcpPacket(packet: DhcpPacket): Uint8Array {
  const optionArea = writeOptionArea(
    Array.from(packet.options, ([code, value]) => {
      if (!Number.isInteger(code) || code <= DhcpOption.Pad || code >= DhcpOption.End) {
        throw new DhcpEncodeError(`option code ${code} cannot carry a value (RFC 2132 §3)`);
      }
      return [code, value] as const;
    }),
  );
  const length = Math.max(MINIMUM_MESSAGE_LENGTH, HeaderLayout.options + optionArea.length);
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);

  bytes[HeaderLayout.op] = octet(packet.op, 'op');
  bytes[HeaderLayout.htype] = octet(packet.htype, 'htype');
  bytes[HeaderLayout.hlen] = octet(packet.hlen, 'hlen');
  bytes[HeaderLayout.hops] = octet(packet.hops, 'hops');
  view.setUint32(HeaderLayout.xid, packet.xid >>> 0);
  view.setUint16(HeaderLayout.secs, packet.secs & 0xffff);
  view.setUint16(HeaderLayout.flags, packet.flags & 0xffff);
  bytes.set(address(packet.ciaddr, 'ciaddr'), HeaderLayout.ciaddr);
  bytes.set(address(packet.yiaddr, 'yiaddr'), HeaderLayout.yiaddr);
  bytes.set(address(packet.siaddr, 'siaddr'), HeaderLayout.siaddr);
  bytes.set(address(packet.giaddr, 'giaddr'), HeaderLayout.giaddr);
  bytes.set(packet.chaddr.subarray(0, HeaderLayout.chaddrLength), HeaderLayout.chaddr);
  bytes.set(nulTerminated(packet.sname, HeaderLayout.snameLength, 'sname'), HeaderLayout.sname);
  bytes.set(nulTerminated(packet.file, HeaderLayout.fileLength, 'file'), HeaderLayout.file);
  bytes.set(MAGIC_COOKIE, HeaderLayout.magicCookie);
  bytes.set(optionArea, HeaderLayout.options);
  return bytes;
}

/** Whether text fits a NUL-terminated header field of `fieldLength` octets. */
export function fitsHeaderField(text: string, fieldLength: number): boolean {
  return Buffer.byteLength(text, 'latin1') < fieldLength && !text.includes('\0');
}

function nulTerminated(text: string, fieldLength: number, field: string): Uint8Array {
  if (!fitsHeaderField(text, fieldLength)) {
    throw new DhcpEncodeError(`${field} "${text}" does not fit the ${fieldLength}-octet field with its NUL (RFC 2131 §2)`);
  }
  return Buffer.from(text, 'latin1');
}

function octet(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new DhcpEncodeError(`${field} ${value} is not an octet`);
  return value;
}

function address(text: string, field: string): Uint8Array {
  const octets = octetsOfAddress(text);
  if (!octets) throw new DhcpEncodeError(`${field} "${text}" is not an IPv4 address`);
  return octets;
}

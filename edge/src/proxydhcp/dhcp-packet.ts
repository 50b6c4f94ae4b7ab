import { DhcpOption } from './dhcp-options';

/**
 * One BOOTP/DHCP message (RFC 2131 §2, Figure 1), decoded. Addresses are dotted quads,
 * options are keyed by code with every instance already concatenated (RFC 3396).
 */
export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  /** Transaction id, unsigned 32-bit. */
  xid: number;
  secs: number;
  /** RFC 2131 §2, Figure 2: the leftmost bit is BROADCAST. */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The 16 octets of chaddr; the first `hlen` of them are the hardware address. */
  chaddr: Uint8Array;
  /** Server host name, NUL-terminated in the packet; empty when the field holds options. */
  sname: string;
  /** Boot file name, NUL-terminated in the packet; empty when the field holds options. */
  file: string;
  /** In the order first seen (decode) or to be written (encode). */
  options: ReadonlyMap<number, Uint8Array>;
}

/** RFC 2131 §2, Figure 1: offsets and sizes of the fixed header. */
export const HeaderLayout = {
  op: 0,
  htype: 1,
  hlen: 2,
  hops: 3,
  xid: 4,
  secs: 8,
  flags: 10,
  ciaddr: 12,
  yiaddr: 16,
  siaddr: 20,
  giaddr: 24,
  chaddr: 28,
  chaddrLength: 16,
  sname: 44,
  snameLength: 64,
  file: 108,
  fileLength: 128,
  /** RFC 2131 §3: the options field starts with the magic cookie 99.130.83.99 (RFC 2132 §2). */
  magicCookie: 236,
  options: 240,
} as const;

export const MAGIC_COOKIE = Uint8Array.of(99, 130, 83, 99);

/** RFC 2131 §2, Figure 2. */
export const BROADCAST_FLAG = 0x8000;

/** RFC 1700 (ARP hardware types): 10 Mb Ethernet, and the length of its address. */
export const HTYPE_ETHERNET = 1;
export const ETHERNET_ADDRESS_LENGTH = 6;

export const ZERO_ADDRESS = '0.0.0.0';
export const LIMITED_BROADCAST = '255.255.255.255';

/** The client's hardware address as "52:54:00:12:34:56" (at most the 16 octets of chaddr). */
export function clientHardwareAddress(packet: DhcpPacket): string {
  const length = Math.min(packet.hlen, packet.chaddr.length);
  return Array.from(packet.chaddr.subarray(0, length), (byte) => byte.toString(16).padStart(2, '0')).join(':');
}

export function messageTypeOf(packet: DhcpPacket): number | undefined {
  const value = packet.options.get(DhcpOption.MessageType);
  return value?.length === 1 ? value[0] : undefined;
}

/** An option as text (the octets as Latin-1; DHCP text options are NVT ASCII, RFC 2132 §2). */
export function optionText(packet: DhcpPacket, code: number): string | undefined {
  const value = packet.options.get(code);
  return value ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1') : undefined;
}

export function optionAddress(packet: DhcpPacket, code: number): string | undefined {
  const value = packet.options.get(code);
  return value?.length === 4 ? addressFromOctets(value, 0) : undefined;
}

export function addressFromOctets(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The four octets of a dotted quad, or undefined when the text is not one. */
export function octetsOfAddress(address: string): Uint8Array | undefined {
  const match = DOTTED_QUAD.exec(address);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? Uint8Array.from(octets) : undefined;
}

export function isIpv4Address(address: string): boolean {
  return octetsOfAddress(address) !== undefined;
}

/** Text as option octets (NVT ASCII / Latin-1, RFC 2132 §2). */
export function latin1Octets(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

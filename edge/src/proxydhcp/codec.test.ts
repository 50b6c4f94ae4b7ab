import { describe, expect, it } from 'vitest';
import { decodeDhcpPacket } from './decode';
import { DhcpOption } from './dhcp-options';
import { clientHardwareAddress, type DhcpPacket, HeaderLayout, MAGIC_COOKIE } from './dhcp-packet';
import { encodeDhcpPacket, MINIMUM_MESSAGE_LENGTH } from './encode';
import { DhcpDecodeError, DhcpEncodeError } from './errors';
import { legacyBiosPxeRom, ovmfFirmware, seabiosIpxeRom } from './testdata/pxe-clients';

/** A bare 240-octet message (header + cookie) to which raw option bytes are appended. */
function rawMessage(options: number[], patch: (bytes: Uint8Array) => void = () => undefined): Uint8Array {
  const bytes = new Uint8Array(HeaderLayout.options + options.length);
  bytes[0] = 1;
  bytes.set(MAGIC_COOKIE, HeaderLayout.magicCookie);
  bytes.set(options, HeaderLayout.options);
  patch(bytes);
  return bytes;
}

function decoded(bytes: Uint8Array): DhcpPacket {
  const result = decodeDhcpPacket(bytes);
  if (!result.ok) throw result.error;
  return result.packet;
}

const ascii = (text: string): number[] => Array.from(Buffer.from(text, 'latin1'));

describe('DHCP fixed header (RFC 2131 §2)', () => {
  it('reads every field at its offset', () => {
    const bytes = rawMessage([53, 1, 1, 255], (b) => {
      b.set([1, 1, 6, 2], 0); // op, htype, hlen, hops
      b.set([0xde, 0xad, 0xbe, 0xef], 4); // xid
      b.set([0, 7, 0x80, 0], 8); // secs 7, BROADCAST flag
      b.set([10, 77, 0, 5], 12);
      b.set([10, 77, 0, 6], 16);
      b.set([10, 77, 0, 7], 20);
      b.set([10, 77, 0, 8], 24);
      b.set([0x52, 0x54, 0, 0x12, 0x34, 0x56], 28);
      b.set(ascii('edge'), 44);
      b.set(ascii('undionly.kpxe'), 108);
    });
    const packet = decoded(bytes);
    expect(packet).toMatchObject({
      op: 1, htype: 1, hlen: 6, hops: 2, xid: 0xdeadbeef, secs: 7, flags: 0x8000,
      ciaddr: '10.77.0.5', yiaddr: '10.77.0.6', siaddr: '10.77.0.7', giaddr: '10.77.0.8',
      sname: 'edge', file: 'undionly.kpxe',
    });
    expect(clientHardwareAddress(packet)).toBe('52:54:00:12:34:56');
    expect([...packet.options]).toEqual([[53, Uint8Array.of(1)]]);
  });

  it('round-trips the requests real PXE clients send', () => {
    for (const packet of [seabiosIpxeRom(), ovmfFirmware(), legacyBiosPxeRom()]) {
      expect(decoded(encodeDhcpPacket(packet))).toEqual(packet);
    }
  });

  it('pads replies to the 300-octet BOOTP minimum (RFC 1542 §2.1) and ends the options', () => {
    const bytes = encodeDhcpPacket(seabiosIpxeRom({}));
    expect(bytes.length).toBeGreaterThanOrEqual(MINIMUM_MESSAGE_LENGTH);
    const small = encodeDhcpPacket({ ...seabiosIpxeRom(), options: new Map([[53, Uint8Array.of(2)]]) });
    expect(small.length).toBe(MINIMUM_MESSAGE_LENGTH);
    expect([...small.subarray(240, 244)]).toEqual([53, 1, 2, 255]);
  });
});

describe('DHCP options (RFC 2132 §2–3, RFC 3396)', () => {
  it('skips pads, stops at End, and ignores what follows End', () => {
    const packet = decoded(rawMessage([0, 0, 53, 1, 3, 0, 60, 3, ...ascii('abc'), 255, 61, 200]));
    expect([...packet.options.keys()]).toEqual([53, 60]);
  });

  it('accepts an options field that runs to the end of the datagram without End', () => {
    expect(decoded(rawMessage([53, 1, 1])).options.get(53)).toEqual(Uint8Array.of(1));
  });

  it('concatenates repeated instances of an option in order (RFC 3396)', () => {
    const packet = decoded(rawMessage([43, 2, 6, 1, 53, 1, 1, 43, 1, 8, 255]));
    expect(packet.options.get(43)).toEqual(Uint8Array.of(6, 1, 8));
    expect([...packet.options.keys()]).toEqual([43, 53]);
  });

  it('splits values longer than 255 octets on encode and joins them on decode', () => {
    const long = Uint8Array.from({ length: 600 }, (_, i) => i & 0xff);
    const bytes = encodeDhcpPacket({ ...ovmfFirmware(), options: new Map([[DhcpOption.VendorSpecific, long]]) });
    expect([bytes[240], bytes[241], bytes[240 + 257], bytes[240 + 258]]).toEqual([43, 255, 43, 255]);
    expect(decoded(bytes).options.get(43)).toEqual(long);
  });

  it('keeps a zero-length option', () => {
    expect(decoded(rawMessage([80, 0, 255])).options.get(80)).toEqual(new Uint8Array(0));
  });
});

describe('option overload (RFC 2132 §9.3)', () => {
  it('reads options from file then sname, after the options field, and blanks both names', () => {
    const bytes = rawMessage([52, 1, 3, 12, 2, ...ascii('ab'), 255], (b) => {
      b.set([12, 2, ...ascii('cd'), 67, 4, ...ascii('boot'), 255], HeaderLayout.file);
      b.set([12, 1, ...ascii('e'), 255], HeaderLayout.sname);
    });
    const packet = decoded(bytes);
    expect(Buffer.from(packet.options.get(12)!).toString()).toBe('abcde');
    expect(Buffer.from(packet.options.get(67)!).toString()).toBe('boot');
    expect(packet.file).toBe('');
    expect(packet.sname).toBe('');
  });

  it('uses only the file field for value 1 and keeps sname as a name', () => {
    const packet = decoded(
      rawMessage([52, 1, 1, 255], (b) => {
        b.set([66, 4, ...ascii('tftp'), 255], HeaderLayout.file);
        b.set(ascii('edge-1'), HeaderLayout.sname);
      }),
    );
    expect(Buffer.from(packet.options.get(66)!).toString()).toBe('tftp');
    expect(packet.sname).toBe('edge-1');
    expect(packet.file).toBe('');
  });

  it('ignores an option 52 found inside an overloaded field', () => {
    const packet = decoded(rawMessage([52, 1, 1, 255], (b) => b.set([52, 1, 2, 255], HeaderLayout.file)));
    expect(packet.options.get(52)).toEqual(Uint8Array.of(1));
  });
});

describe('decode errors are values, never throws', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['an empty datagram', new Uint8Array(0), 'too-short'],
    ['239 octets', new Uint8Array(239), 'too-short'],
    ['a BOOTP message without the magic cookie', new Uint8Array(300), 'bad-magic-cookie'],
    ['an option longer than the datagram', rawMessage([60, 9, 1, 2, 3]), 'truncated-option'],
    ['an option without its length octet', rawMessage([53, 1, 1, 60]), 'truncated-option'],
    ['overload 0', rawMessage([52, 1, 0, 255]), 'bad-overload-option'],
    ['overload 4', rawMessage([52, 1, 4, 255]), 'bad-overload-option'],
    ['overload of two octets', rawMessage([52, 2, 1, 1, 255]), 'bad-overload-option'],
    ['a truncated option in the file field', rawMessage([52, 1, 1, 255], (b) => b.set([60, 200], HeaderLayout.file)), 'truncated-option'],
    ['a truncated option in the sname field', rawMessage([52, 1, 2, 255], (b) => b.set([60, 100], HeaderLayout.sname)), 'truncated-option'],
  ];
  it.each(cases)('%s', (_name, bytes, reason) => {
    const result = decodeDhcpPacket(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(DhcpDecodeError);
    expect(result.error.reason).toBe(reason);
  });
});

describe('encode refuses what cannot be written', () => {
  const base = ovmfFirmware();
  it.each<[string, DhcpPacket]>([
    ['an address that is not a dotted quad', { ...base, siaddr: '10.77.0' }],
    ['an octet out of range', { ...base, op: 256 }],
    ['a file name of 128 octets (no room for NUL)', { ...base, file: 'x'.repeat(128) }],
    ['a pad option with a value', { ...base, options: new Map([[0, Uint8Array.of(1)]]) }],
    ['an end option with a value', { ...base, options: new Map([[255, Uint8Array.of(1)]]) }],
  ])('%s', (_name, packet) => {
    expect(() => encodeDhcpPacket(packet)).toThrow(DhcpEncodeError);
  });

  it('writes a 127-octet file name', () => {
    expect(decoded(encodeDhcpPacket({ ...base, file: 'y'.repeat(127) })).file).toBe('y'.repeat(127));
  });
});

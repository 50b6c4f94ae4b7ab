import { describe, expect, it } from 'vitest';
import { encodeAck, encodeData, encodeError, encodeOack, encodeRequest, parsePacket, printable } from './packet-codec';
import { Opcode } from './protocol';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('packet codec: round trips (RFC 1350 §5, RFC 2347 §2)', () => {
  it('RRQ with options', () => {
    const buf = encodeRequest(Opcode.RRQ, 'pxelinux.0', 'octet', [
      { name: 'blksize', value: '1468' },
      { name: 'tsize', value: '0' },
    ]);
    expect(buf).toEqual(bytes([0, 1], 'pxelinux.0\0octet\0blksize\x001468\0tsize\x000\0'));
    expect(parsePacket(buf)).toEqual({
      ok: true,
      packet: { opcode: 1, filename: 'pxelinux.0', mode: 'octet', options: [{ name: 'blksize', value: '1468' }, { name: 'tsize', value: '0' }] },
    });
  });

  it('WRQ, DATA, ACK, ERROR, OACK', () => {
    expect(parsePacket(encodeRequest(Opcode.WRQ, 'a', 'netascii'))).toMatchObject({ ok: true, packet: { opcode: 2, filename: 'a', mode: 'netascii', options: [] } });
    expect(parsePacket(encodeData(65535, Buffer.from('xyz')))).toEqual({ ok: true, packet: { opcode: 3, block: 65535, data: Buffer.from('xyz') } });
    expect(parsePacket(encodeData(7, Buffer.alloc(0)))).toEqual({ ok: true, packet: { opcode: 3, block: 7, data: Buffer.alloc(0) } });
    expect(parsePacket(encodeAck(65536))).toEqual({ ok: true, packet: { opcode: 4, block: 0 } }); // 16-bit wrap
    expect(parsePacket(encodeError(1, 'file not found'))).toEqual({ ok: true, packet: { opcode: 5, code: 1, message: 'file not found' } });
    expect(parsePacket(encodeOack([{ name: 'blksize', value: '512' }]))).toEqual({ ok: true, packet: { opcode: 6, options: [{ name: 'blksize', value: '512' }] } });
    expect(parsePacket(encodeOack([]))).toEqual({ ok: true, packet: { opcode: 6, options: [] } });
  });

  it('lower-cases mode and option names (RFC 1350 §2, RFC 2347 §2: case-insensitive)', () => {
    const parsed = parsePacket(bytes([0, 1], 'F\0OcTeT\0BLKSIZE\x00512\0'));
    expect(parsed).toMatchObject({ ok: true, packet: { filename: 'F', mode: 'octet', options: [{ name: 'blksize', value: '512' }] } });
  });

  it('keeps the file name as sent (case, UTF-8)', () => {
    expect(parsePacket(encodeRequest(Opcode.RRQ, 'Boot/Ünïcode.EFI', 'octet'))).toMatchObject({ ok: true, packet: { filename: 'Boot/Ünïcode.EFI' } });
  });

  it('forgives NUL padding after the last option and a missing NUL after an ERROR message', () => {
    expect(parsePacket(bytes([0, 1], 'f\0octet\0tsize\x000\0\0\0\0'))).toMatchObject({ ok: true, packet: { options: [{ name: 'tsize', value: '0' }] } });
    expect(parsePacket(bytes([0, 5, 0, 2], 'denied'))).toEqual({ ok: true, packet: { opcode: 5, code: 2, message: 'denied' } });
    expect(parsePacket(bytes([0, 4, 0, 9, 0, 0]))).toEqual({ ok: true, packet: { opcode: 4, block: 9 } });
  });
});

describe('packet codec: malformed packets are reported, never thrown', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['empty datagram', Buffer.alloc(0), /no opcode/],
    ['1 byte', Buffer.from([1]), /no opcode/],
    ['opcode 0', bytes([0, 0], 'x\0octet\0'), /unknown opcode 0/],
    ['opcode 7', bytes([0, 7]), /unknown opcode 7/],
    ['opcode 65535', bytes([255, 255, 1, 2]), /unknown opcode 65535/],
    ['RRQ with no NUL after the file name', bytes([0, 1], 'file'), /file name not terminated/],
    ['RRQ with an empty file name', bytes([0, 1], '\0octet\0'), /empty file name/],
    ['RRQ without a mode', bytes([0, 1], 'file\0'), /missing transfer mode/],
    ['RRQ with an empty mode', bytes([0, 1], 'file\0\0'), /missing transfer mode/],
    ['RRQ with a mode not terminated', bytes([0, 1], 'file\0octet'), /not terminated/],
    ['RRQ with an option but no value', bytes([0, 1], 'file\0octet\0blksize\0'), /has no value/],
    ['RRQ with an option value not terminated', bytes([0, 1], 'file\0octet\0blksize\x00512'), /not terminated/],
    ['RRQ with an empty option name', bytes([0, 1], 'file\0octet\0\x00512\0'), /empty option name/],
    ['RRQ over 512 octets (RFC 2347 §2)', bytes([0, 1], `${'a'.repeat(505)}\0octet\0`), /longer than 512/],
    ['WRQ with nothing', bytes([0, 2]), /file name not terminated/],
    ['DATA without block', bytes([0, 3, 1]), /DATA without block/],
    ['ACK of 3 octets', bytes([0, 4, 1]), /ACK without block/],
    ['ERROR without code', bytes([0, 5, 0]), /ERROR without error code/],
    ['OACK option without value', bytes([0, 6], 'blksize\0'), /has no value/],
    ['OACK not terminated', bytes([0, 6], 'blksize\x00512'), /not terminated/],
  ];
  it.each(cases)('%s', (_name, buf, reason) => {
    const result = parsePacket(buf);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('accepts a request of exactly 512 octets', () => {
    const buf = bytes([0, 1], `${'a'.repeat(503)}\0octet\0`);
    expect(buf.length).toBe(512);
    expect(parsePacket(buf).ok).toBe(true);
  });
});

describe('packet codec: what we send', () => {
  it('ERROR messages are printable ASCII, NUL-terminated and bounded', () => {
    const buf = encodeError(0, `bad\x00\nname é ${'x'.repeat(1000)}`);
    expect(buf.readUInt16BE(0)).toBe(5);
    expect(buf[buf.length - 1]).toBe(0);
    expect(buf.length).toBeLessThanOrEqual(4 + 400 + 1);
    expect(buf.subarray(4, buf.length - 1).every((c) => c >= 0x20 && c <= 0x7e)).toBe(true);
  });

  it('printable() escapes control characters and truncates', () => {
    expect(printable('a\x00b\x1b')).toBe('a\\x00b\\x1b');
    expect(printable('x'.repeat(100), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

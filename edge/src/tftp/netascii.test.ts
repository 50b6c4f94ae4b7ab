import { describe, expect, it } from 'vitest';
import { bufferFile } from './buffer-file';
import { TftpRefusalError } from './errors';
import { fromNetascii, NETASCII_MAX_SOURCE_OCTETS, netasciiFile, toNetascii } from './netascii';
import { patternBytes } from './testing/temp-root';

describe('netascii (RFC 1350 §1, RFC 764)', () => {
  it.each([
    ['a\nb', 'a\r\nb'],
    ['a\rb', 'a\r\0b'],
    ['a\r\nb', 'a\r\0\r\nb'], // byte by byte, as tftpd-hpa does
    ['no newline', 'no newline'],
    ['', ''],
    ['\n\n', '\r\n\r\n'],
  ])('%j goes on the wire as %j and comes back', (text, wire) => {
    const encoded = toNetascii(Buffer.from(text, 'latin1'));
    expect(encoded.toString('latin1')).toBe(wire);
    expect(fromNetascii(encoded).toString('latin1')).toBe(text);
  });

  it('round-trips arbitrary bytes', () => {
    const data = patternBytes(100_000, 7);
    expect(fromNetascii(toNetascii(data)).equals(data)).toBe(true);
  });

  it('serves the converted file with its wire size and closes the original', async () => {
    let closed = false;
    const source = { ...bufferFile(Buffer.from('x\ny\n')), close: async () => void (closed = true) };
    const file = await netasciiFile(source, 'cfg');
    expect(file.size).toBe(6);
    const out = Buffer.alloc(6);
    await file.read(out, 0, 6, 0);
    expect(out.toString()).toBe('x\r\ny\r\n');
    expect(closed).toBe(true);
  });

  it('refuses files too large to convert in memory, saying to use octet mode', async () => {
    const huge = { size: NETASCII_MAX_SOURCE_OCTETS + 1, read: async () => 0, close: async () => undefined };
    await expect(netasciiFile(huge, 'big.iso')).rejects.toThrow(TftpRefusalError);
    await expect(netasciiFile(huge, 'big.iso')).rejects.toThrow(/octet mode/);
  });
});

import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromNetascii } from './netascii';
import { encodeAck, encodeData, encodeRequest } from './packet-codec';
import { Opcode } from './protocol';
import { fetchTftp, TftpClientError, type FetchTftpOptions } from './tftp-client';
import type { TftpLogEntry } from './tftp-log';
import type { TftpServer } from './tftp-server';
import { RawPeer } from './testing/raw-peer';
import { makeServedTree, until, type ServedTree } from './testing/served-tree';
import { sha256 } from './testing/temp-root';

/** The server over real UDP on 127.0.0.1: what it serves and what it refuses. Faults are in tftp-server-faults.test.ts. */

let tree: ServedTree;
let server: TftpServer;
let files: ReadonlyMap<string, Buffer>;
const logs: TftpLogEntry[] = [];

function fetch(filename: string, options: Partial<FetchTftpOptions> = {}) {
  return fetchTftp({ host: '127.0.0.1', port: server.port, filename, timeoutMs: 500, ...options });
}

async function expectTftpError(promise: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TftpClientError);
  expect((error as TftpClientError).tftpCode).toBe(code);
  expect((error as Error).message).toMatch(message);
}

beforeAll(async () => {
  tree = await makeServedTree({ big: true });
  files = tree.files;
  server = await tree.serve({}, (e) => logs.push(e));
});

afterAll(async () => {
  await server?.close();
  await tree?.temp.remove();
});

describe('TFTP server: reads over loopback', () => {
  it.each([0, 511, 512, 513, 1468])('a %i-octet file, no options: plain RFC 1350, no OACK', async (size) => {
    const result = await fetch(`f${size}.bin`);
    expect(result.oack).toBeNull();
    expect(result.data!.equals(files.get(`f${size}.bin`)!)).toBe(true);
    expect(result.dataPackets).toBe(Math.floor(size / 512) + 1);
  });

  it.each([0, 511, 512, 513, 100_000])('a %i-octet file with blksize 1468, tsize and windowsize 8', async (size) => {
    const result = await fetch(`/f${size}.bin`, { blksize: 1468, tsize: true, windowsize: 8 });
    expect(result.oack).toEqual({ blksize: '1468', ...(size > 0 ? { tsize: String(size) } : {}), windowsize: '8' });
    expect(result.sha256).toBe(sha256(files.get(`f${size}.bin`)!));
  });

  it('40 MiB at blksize 512: block numbers roll over past 65535, content identical', async () => {
    const result = await fetch('big.bin', { keep: false, timeoutMs: 1000 });
    expect(result.size).toBe(files.get('big.bin')!.length);
    expect(result.sha256).toBe(sha256(files.get('big.bin')!));
    expect(result.dataPackets).toBeGreaterThanOrEqual(81_923);
  });

  it('large blksizes: 8, 65464, and a request above 65464 answered with 65464 (RFC 2348 §2)', async () => {
    expect((await fetch('f1468.bin', { blksize: 8 })).dataPackets).toBe(184);
    for (const asked of [65464, 70000]) {
      const result = await fetch('f100000.bin', { blksize: asked, windowsize: 2 });
      expect(result.oack).toEqual({ blksize: '65464', windowsize: '2' });
      expect(result.sha256).toBe(sha256(files.get('f100000.bin')!));
    }
  });

  it('blksize below 8, non-numeric values and unknown options are ignored: no OACK when nothing is accepted (RFC 2347 §2)', async () => {
    const result = await fetch('f513.bin', { blksize: 7, extraOptions: [{ name: 'multicast', value: '' }, { name: 'x-vendor', value: '1' }, { name: 'windowsize', value: 'abc' }] });
    expect(result.oack).toBeNull();
    expect(result.dataPackets).toBe(2);
    const mixed = await fetch('f513.bin', { timeoutOption: 3, extraOptions: [{ name: 'rollover', value: '0' }] });
    expect(mixed.oack).toEqual({ timeout: '3' });
  });

  it('netascii: LF and CR are sent as CR LF and CR NUL; tsize counts the wire octets', async () => {
    const original = files.get('boot/menu.cfg')!;
    const result = await fetch('boot/menu.cfg', { mode: 'netascii', tsize: true });
    expect(fromNetascii(result.data!).equals(original)).toBe(true);
    expect(result.data!.toString('latin1')).toContain('default local\r\0\r\nlabel');
    expect(Number(result.oack!.tsize)).toBe(result.size);
  });

  it('serves generated and mapped files through the composite source', async () => {
    const generated = await fetch('generated/client.ipxe');
    expect(generated.data!.toString()).toBe('#!ipxe\necho hello 127.0.0.1\n');
    const mapped = await fetch('/undionly.kpxe', { blksize: 1432, tsize: true });
    expect(mapped.sha256).toBe(sha256(files.get('undionly.kpxe')!));
    expect(mapped.oack!.tsize).toBe('70000');
  });

  it('50 transfers at once, all byte-identical, every socket and file released', async () => {
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const started = server.stats().transfersStarted;
    const variants: Partial<FetchTftpOptions>[] = [{}, { blksize: 1468 }, { blksize: 1024, windowsize: 4, tsize: true }, { windowsize: 16 }, { blksize: 8192, windowsize: 2 }];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(i % 2 ? 'f100000.bin' : 'undionly.kpxe', { ...variants[i % variants.length], keep: false })));
    results.forEach((r, i) => expect(r.sha256).toBe(sha256(files.get(i % 2 ? 'f100000.bin' : 'undionly.kpxe')!)));
    // Every transfer answers from a transfer port, never the listener's (RFC 1350 §4). Not
    // always 50 distinct ports: a finished transfer's ephemeral port may be handed out again,
    // and with SO_REUSEADDR (transfer-socket.ts) the kernel may give two transfers one port;
    // each data socket is connected to its own client, so the port pair still tells them apart.
    // (CI saw 49 once.)
    expect(results.every((r) => r.serverPort !== server.port)).toBe(true);
    expect(new Set(results.map((r) => r.serverPort)).size).toBeGreaterThan(1);
    await until(() => server.stats().activeTransfers === 0);
    expect(server.stats().transfersStarted - started).toBe(50);
    await until(() => readdirSync('/proc/self/fd').length <= fdsBefore);
  });
});

describe('TFTP server: refusals', () => {
  it.each([
    ['missing.bin', 1, /file not found: missing\.bin/],
    ['/etc/passwd', 1, /file not found/], // root-relative: not in the root
    ['../etc/passwd', 2, /access violation: "\.\." is not allowed/],
    ['a/../../x', 2, /access violation: "\.\." is not allowed/],
    ['..\\..\\etc\\passwd', 2, /access violation/],
    ['escape.txt', 2, /access violation: escape\.txt resolves outside the TFTP root/],
    ['boot', 1, /not a regular file/],
    ['bad\x01name', 2, /control character/],
  ])('%j → ERROR %i', async (name, code, message) => {
    await expectTftpError(fetch(name), code, message);
  });

  it('answers refusals from the listening port', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(encodeRequest(Opcode.RRQ, 'missing.bin', 'octet'), server.port);
      const answer = await peer.next();
      expect(answer).toMatchObject({ port: server.port, packet: { opcode: Opcode.ERROR, code: 1 } });
    } finally {
      await peer.close();
    }
  });

  it.each([
    ['WRQ (read-only server)', 2, encodeRequest(Opcode.WRQ, 'upload.bin', 'octet'), /read-only/],
    ['"file\\0.txt" (the NUL ends the name, ".txt" is no mode)', 4, Buffer.from('\0\x01file\0.txt\0octet\0', 'latin1'), /illegal TFTP operation/],
    ['mode "mail"', 4, encodeRequest(Opcode.RRQ, 'f511.bin', 'mail'), /transfer mode "mail" is not supported/],
    ['a repeated option', 8, encodeRequest(Opcode.RRQ, 'f511.bin', 'octet', [{ name: 'tsize', value: '0' }, { name: 'TSIZE', value: '0' }]), /appears more than once/],
    ['a request over 512 octets', 4, encodeRequest(Opcode.RRQ, 'x'.repeat(600), 'octet'), /longer than 512 octets/],
    ['1 byte', 4, Buffer.from([1]), /no opcode/],
    ['a DATA packet', 4, encodeData(1, Buffer.from('x')), /opcode 3 is not a request/],
    ['an empty file name', 4, Buffer.from('\0\x01\0octet\0', 'latin1'), /empty file name/],
  ])('%s → ERROR %i', async (_name, code, packet, message) => {
    const peer = await RawPeer.open();
    try {
      peer.send(packet, server.port);
      const answer = await peer.next();
      expect(answer?.packet).toMatchObject({ opcode: Opcode.ERROR, code, message: expect.stringMatching(message) });
    } finally {
      await peer.close();
    }
  });

  it('an ERROR or an ACK sent to the listening port is never answered (tftp-hpa ACKs the ERROR that refused it)', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(Buffer.from('\0\x05\0\x05stray\0', 'latin1'), server.port);
      peer.send(encodeAck(1), server.port);
      expect(await peer.drain(100)).toEqual([]);
    } finally {
      await peer.close();
    }
  });
});

describe('TFTP server: logs', () => {
  it('logs each transfer with its peer, file and figures', () => {
    expect(logs.find((e) => e.event === 'transfer-done' && e.file === 'undionly.kpxe')).toMatchObject({ level: 'info', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), ok: true });
    expect(logs.find((e) => e.event === 'request-refused' && e.code === 2)).toMatchObject({ message: expect.stringMatching(/^refused: access violation/) });
  });
});

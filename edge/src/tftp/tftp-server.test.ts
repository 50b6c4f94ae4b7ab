import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompositeSource } from './composite-source';
import { createDirectorySource } from './directory-source';
import { TftpAddressUnavailableError, TftpPortInUseError, TftpPortPermissionError, TftpStartupError } from './errors';
import { createGeneratedSource } from './generated-source';
import { createMappedFilesSource } from './mapped-files-source';
import { fromNetascii } from './netascii';
import { encodeAck, encodeData, encodeRequest } from './packet-codec';
import { Opcode } from './protocol';
import { fetchTftp, TftpClientError, type FetchTftpOptions } from './tftp-client';
import type { TftpLogEntry } from './tftp-log';
import { bindFailure, startTftpServer, type TftpServer, type TftpServerOptions } from './tftp-server';
import { RawPeer } from './testing/raw-peer';
import { makeTempRoot, patternBytes, sha256, type TempRoot } from './testing/temp-root';

/** The server over real UDP on 127.0.0.1, against our client and against raw sockets that misbehave. */

const TIMEOUT_MS = 150;
let temp: TempRoot;
let server: TftpServer;
const logs: TftpLogEntry[] = [];
const files = new Map<string, Buffer>();

async function serve(options: TftpServerOptions = {}, log?: (e: TftpLogEntry) => void): Promise<TftpServer> {
  const source = createCompositeSource([
    createGeneratedSource({ 'generated/client.ipxe': async (ctx) => Buffer.from(`#!ipxe\necho hello ${ctx.remoteAddress}\n`) }),
    createMappedFilesSource({ 'undionly.kpxe': join(temp.outside, 'undionly.kpxe') }),
    await createDirectorySource(temp.root),
  ]);
  return startTftpServer({ address: '127.0.0.1', port: 0, source, options: { timeoutMs: TIMEOUT_MS, maxRetries: 3, ...options }, ...(log ? { log } : {}) });
}

function fetch(filename: string, options: Partial<FetchTftpOptions> = {}, target: TftpServer = server) {
  return fetchTftp({ host: '127.0.0.1', port: target.port, filename, timeoutMs: 500, ...options });
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

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  temp = await makeTempRoot();
  const add = async (name: string, content: Buffer): Promise<void> => {
    files.set(name, content);
    await temp.write(name, content);
  };
  for (const size of [0, 511, 512, 513, 1468, 100_000]) await add(`f${size}.bin`, patternBytes(size, size + 1));
  await add('boot/menu.cfg', Buffer.from('default local\r\nlabel local\n  localboot 0\n\rbare CR\n'));
  // 40 MiB + a bit: at blksize 512 that is 81 923 blocks, past the 16-bit block number.
  await add('big.bin', randomBytes(40 * 1024 * 1024 + 1234));
  files.set('undionly.kpxe', patternBytes(70_000, 9));
  await temp.write('../outside/undionly.kpxe', files.get('undionly.kpxe')!);
  await temp.link('escape.txt', join(temp.outside, 'secret.txt'));
  server = await serve({}, (e) => logs.push(e));
});

afterAll(async () => {
  await server?.close();
  await temp?.remove();
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
    expect(new Set(results.map((r) => r.serverPort)).size).toBe(50); // one TID each (RFC 1350 §4)
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

describe('TFTP server: loss, duplicates, strangers', () => {
  it('resends DATA after a timeout when the client ignores the first one', async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(encodeRequest(Opcode.RRQ, 'f513.bin', 'octet'), server.port);
      const first = await peer.next();
      expect(first?.packet).toMatchObject({ opcode: Opcode.DATA, block: 1 });
      const t0 = Date.now();
      const again = await peer.next(); // we "lost" the first one and said nothing
      expect(Date.now() - t0).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(again).toMatchObject({ port: first!.port, packet: { opcode: Opcode.DATA, block: 1 } });
      peer.send(encodeAck(1), first!.port);
      expect((await peer.next())?.packet).toMatchObject({ opcode: Opcode.DATA, block: 2 });
      peer.send(encodeAck(2), first!.port);
      expect(await peer.drain(TIMEOUT_MS * 2)).toEqual([]);
    } finally {
      await peer.close();
    }
  });

  it("never resends on a duplicate ACK (Sorcerer's Apprentice, RFC 1123 §4.2.3.1)", async () => {
    const peer = await RawPeer.open();
    try {
      peer.send(encodeRequest(Opcode.RRQ, 'f100000.bin', 'octet'), server.port); // 196 blocks
      let tid = 0;
      const blocks: number[] = [];
      for (;;) {
        const got = await peer.next();
        if (!got || got.packet?.opcode !== Opcode.DATA) break;
        tid = got.port;
        blocks.push(got.packet.block);
        peer.send(encodeAck(got.packet.block), tid);
        peer.send(encodeAck(got.packet.block), tid); // every ACK twice
        if (got.packet.data.length < 512) break;
      }
      blocks.push(...(await peer.drain(TIMEOUT_MS * 2)).map((r) => (r.packet?.opcode === Opcode.DATA ? r.packet.block : -1)));
      expect(blocks).toEqual(Array.from({ length: 196 }, (_, i) => i + 1)); // each block exactly once
    } finally {
      await peer.close();
    }
  });

  it('gives up after maxRetries with ERROR 0 "timed out" and forgets the transfer', async () => {
    const impatient = await serve({ timeoutMs: 40, maxTimeoutMs: 80, maxRetries: 2 });
    const peer = await RawPeer.open();
    try {
      peer.send(encodeRequest(Opcode.RRQ, 'f1468.bin', 'octet', [{ name: 'tsize', value: '0' }]), impatient.port);
      const got = [];
      for (let r = await peer.next(); r; r = await peer.next(500)) got.push(r.packet);
      expect(got).toEqual([
        { opcode: Opcode.OACK, options: [{ name: 'tsize', value: '1468' }] },
        { opcode: Opcode.OACK, options: [{ name: 'tsize', value: '1468' }] },
        { opcode: Opcode.OACK, options: [{ name: 'tsize', value: '1468' }] },
        { opcode: Opcode.ERROR, code: 0, message: 'timed out' },
      ]);
      expect(impatient.stats()).toMatchObject({ activeTransfers: 0, transfersFailed: 1 });
    } finally {
      await peer.close();
      await impatient.close();
    }
  });

  it('answers a packet from a wrong TID with ERROR 5 and carries on (RFC 1350 §4)', async () => {
    const client = await RawPeer.open();
    const stranger = await RawPeer.open();
    try {
      client.send(encodeRequest(Opcode.RRQ, 'f1468.bin', 'octet'), server.port);
      const first = await client.next();
      expect(first?.packet).toMatchObject({ opcode: Opcode.DATA, block: 1 });
      stranger.send(encodeAck(1), first!.port);
      stranger.send(Buffer.from('garbage'), first!.port);
      expect((await stranger.next())?.packet).toEqual({ opcode: Opcode.ERROR, code: 5, message: 'unknown transfer ID' });
      expect((await stranger.next())?.packet).toMatchObject({ opcode: Opcode.ERROR, code: 5 });
      client.send(Buffer.from([0, 3, 0, 1, 9]), first!.port); // junk from the right peer: ignored
      client.send(Buffer.from([7]), first!.port);
      const received = [first!.packet];
      for (let block = 1; block <= 3; block++) {
        client.send(encodeAck(block), first!.port);
        if (block < 3) received.push((await client.next())!.packet);
      }
      const data = Buffer.concat(received.map((p) => (p?.opcode === Opcode.DATA ? p.data : Buffer.alloc(0))));
      expect(data.equals(files.get('f1468.bin')!)).toBe(true);
    } finally {
      await client.close();
      await stranger.close();
    }
  });

  it('a repeated RRQ from the same client port does not start a second transfer', async () => {
    const peer = await RawPeer.open();
    const started = server.stats().transfersStarted;
    try {
      const rrq = encodeRequest(Opcode.RRQ, 'f511.bin', 'octet');
      peer.send(rrq, server.port);
      peer.send(rrq, server.port);
      const first = await peer.next();
      await new Promise((r) => setTimeout(r, 30));
      peer.send(rrq, server.port);
      peer.send(encodeAck(1), first!.port);
      await peer.drain(50);
      expect(server.stats().transfersStarted - started).toBe(1);
    } finally {
      await peer.close();
    }
  });

  it('close() ends running transfers with ERROR 0 and stops listening', async () => {
    const closing = await serve();
    const peer = await RawPeer.open();
    try {
      peer.send(encodeRequest(Opcode.RRQ, 'big.bin', 'octet'), closing.port);
      expect((await peer.next())?.packet).toMatchObject({ opcode: Opcode.DATA, block: 1 });
      await closing.close();
      expect((await peer.next())?.packet).toEqual({ opcode: Opcode.ERROR, code: 0, message: 'server shutting down' });
      peer.send(encodeRequest(Opcode.RRQ, 'f511.bin', 'octet'), closing.port);
      expect(await peer.drain(100)).toEqual([]);
      expect(closing.stats().activeTransfers).toBe(0);
    } finally {
      await peer.close();
    }
  });

  it('logs each transfer with its peer, file and figures', () => {
    expect(logs.find((e) => e.event === 'transfer-done' && e.file === 'undionly.kpxe')).toMatchObject({ level: 'info', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), ok: true });
    expect(logs.find((e) => e.event === 'request-refused' && e.code === 2)).toMatchObject({ message: expect.stringMatching(/^refused: access violation/) });
  });
});

describe('TFTP server: startup errors say what to do', () => {
  it('port in use', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      const attempt = startTftpServer({ address: '127.0.0.1', port, source: await createDirectorySource(temp.root) });
      await expect(attempt).rejects.toBeInstanceOf(TftpPortInUseError);
      await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use (another TFTP server?)`);
    } finally {
      blocker.close();
    }
  });

  it('an address that is not ours, or not an IP address', async () => {
    const source = await createDirectorySource(temp.root);
    await expect(startTftpServer({ address: '192.0.2.1', port: 0, source })).rejects.toBeInstanceOf(TftpAddressUnavailableError);
    await expect(startTftpServer({ address: 'localhost', port: 0, source })).rejects.toThrow(TftpStartupError);
    await expect(startTftpServer({ address: '127.0.0.1', port: 0, source, options: { maxBlksize: 4 } })).rejects.toThrow(/maxBlksize must be an integer in 8\.\.65464/);
  });

  it('a privileged port without the right (EACCES)', () => {
    const error = bindFailure(Object.assign(new Error('bind EACCES 0.0.0.0:69'), { code: 'EACCES' }), '0.0.0.0', 69);
    expect(error).toBeInstanceOf(TftpPortPermissionError);
    expect(error.message).toBe('binding port 69 needs root or CAP_NET_BIND_SERVICE');
    expect(bindFailure(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), '0.0.0.0', 69).message).toBe('port 69 on 0.0.0.0 is already in use (another TFTP server?)');
  });
});

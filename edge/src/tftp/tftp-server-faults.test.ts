import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from './directory-source';
import { TftpAddressUnavailableError, TftpPortInUseError, TftpPortPermissionError, TftpStartupError } from './errors';
import { encodeAck, encodeRequest } from './packet-codec';
import { Opcode } from './protocol';
import type { TftpLogEntry } from './tftp-log';
import { bindFailure, startTftpServer, type TftpServer } from './tftp-server';
import { RawPeer } from './testing/raw-peer';
import { makeServedTree, until, type ServedTree } from './testing/served-tree';

/** The server over real UDP on 127.0.0.1 when things go wrong: loss, duplicates, strangers, shutdown, startup. */

const TIMEOUT_MS = 150;
let tree: ServedTree;
let server: TftpServer;
let files: ReadonlyMap<string, Buffer>;

beforeAll(async () => {
  tree = await makeServedTree();
  files = tree.files;
  server = await tree.serve({ timeoutMs: TIMEOUT_MS });
});

afterAll(async () => {
  await server?.close();
  await tree?.temp.remove();
});

const serve = (...args: Parameters<ServedTree['serve']>): Promise<TftpServer> => tree.serve(...args);

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

  it('a client that goes away is forgotten at the next send (ICMP port unreachable), not after every retry', async () => {
    const events: TftpLogEntry[] = [];
    const watched = await serve({ timeoutMs: 100, maxRetries: 5 }, (e) => events.push(e));
    const peer = await RawPeer.open();
    try {
      peer.send(encodeRequest(Opcode.RRQ, 'f100000.bin', 'octet'), watched.port);
      expect((await peer.next())?.packet).toMatchObject({ opcode: Opcode.DATA, block: 1 });
      await peer.close();
      const t0 = Date.now();
      await until(() => watched.stats().transfersFailed === 1, 2000);
      expect(Date.now() - t0).toBeLessThan(100 * (1 + 2 + 4)); // well before the give-up
      expect(events.find((e) => e.event === 'transfer-failed')).toMatchObject({ reason: 'the client went away (ICMP port unreachable)' });
      expect(watched.stats().activeTransfers).toBe(0);
    } finally {
      await watched.close();
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
      peer.send(encodeRequest(Opcode.RRQ, 'f100000.bin', 'octet'), closing.port);
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
});

describe('TFTP server: startup errors say what to do', () => {
  it('port in use', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      const attempt = startTftpServer({ address: '127.0.0.1', port, source: await createDirectorySource(tree.temp.root) });
      await expect(attempt).rejects.toBeInstanceOf(TftpPortInUseError);
      await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use (another TFTP server?)`);
    } finally {
      blocker.close();
    }
  });

  it('an address that is not ours, or not an IP address', async () => {
    const source = await createDirectorySource(tree.temp.root);
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


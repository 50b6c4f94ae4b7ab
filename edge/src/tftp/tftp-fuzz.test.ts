import { createSocket, type Socket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectorySource } from './directory-source';
import type { TftpFileSource } from './file-source';
import { encodeAck, encodeData, encodeError, encodeRequest, parsePacket, type TftpOption } from './packet-codec';
import { Opcode } from './protocol';
import { handleRequest } from './request-handler';
import { fetchTftp } from './tftp-client';
import type { TftpLogEntry } from './tftp-log';
import { startTftpServer, type TftpServer } from './tftp-server';
import { makeTempRoot, patternBytes, sha256, type TempRoot } from './testing/temp-root';

/**
 * Fuzz (design §6: "every parser rejects malformed input without crashing"): random and
 * mutated datagrams at the parser, at the request handler, and over UDP at a live server,
 * which must afterwards still serve files correctly. The seed is printed on failure.
 */

const SEED = Number(process.env.MARROW_FUZZ_SEED ?? Date.now() % 1_000_000);

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function makeFuzzer(seed: number) {
  const rand = prng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const randomBytes = (n: number): Buffer => {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  const names = ['f1000.bin', '/f1000.bin', 'missing', '../etc/passwd', 'a/../../x', 'boot\\f', '', 'x'.repeat(600), 'f\x01', 'é.cfg'];
  const values = ['0', '8', '512', '1468', '65464', '65465', '99999999999', '-1', 'abc', '', '1e3', '7', '65535', '65536', '255', '256', ' 1'];
  const optionNames = ['blksize', 'BLKSIZE', 'tsize', 'timeout', 'windowsize', 'multicast', 'rollover', '', 'x'.repeat(40)];

  const validish = (): Buffer => {
    const options: TftpOption[] = Array.from({ length: int(5) }, () => ({ name: pick(optionNames), value: pick(values) }));
    return encodeRequest(pick([Opcode.RRQ, Opcode.RRQ, Opcode.WRQ]), pick(names), pick(['octet', 'netascii', 'OCTET', 'mail', 'binary', '']), options);
  };

  const mutate = (buf: Buffer): Buffer => {
    const out = Buffer.from(buf);
    switch (int(7)) {
      case 0: // flip bytes
        for (let i = 0, n = 1 + int(4); i < n && out.length > 0; i++) out[int(out.length)] = int(256);
        return out;
      case 1: // truncate
        return out.subarray(0, int(out.length + 1));
      case 2: // drop every NUL
        return Buffer.from(out.filter((b) => b !== 0));
      case 3: // append junk
        return Buffer.concat([out, randomBytes(int(64))]);
      case 4: // random opcode
        if (out.length >= 2) out.writeUInt16BE(int(9), 0);
        return out;
      case 5: // oversized
        return Buffer.concat([out, Buffer.alloc(int(2000) + 512, 0x41)]);
      default: // duplicate a slice
        return Buffer.concat([out, out.subarray(int(out.length))]);
    }
  };

  const packet = (): Buffer => {
    switch (int(8)) {
      case 0:
        return randomBytes(int(8));
      case 1:
        return randomBytes(int(600));
      case 2:
        return encodeAck(int(65536));
      case 3:
        return encodeData(int(65536), randomBytes(int(600)));
      case 4:
        return encodeError(int(10), 'fuzz');
      case 5:
        return validish();
      default:
        return mutate(validish());
    }
  };
  return { packet, int, pick, mutate };
}

describe(`TFTP fuzz (seed ${SEED}; rerun with MARROW_FUZZ_SEED=${SEED})`, () => {
  let temp: TempRoot;
  let source: TftpFileSource;
  const content = patternBytes(1000, 5);

  beforeAll(async () => {
    temp = await makeTempRoot();
    await temp.write('f1000.bin', content);
    source = await createDirectorySource(temp.root);
  });
  afterAll(() => temp.remove());

  it('the parser survives 100 000 random and mutated packets', () => {
    const fuzz = makeFuzzer(SEED);
    let understood = 0;
    for (let i = 0; i < 100_000; i++) {
      const result = parsePacket(fuzz.packet());
      if (result.ok) understood++;
      else if (typeof result.reason !== 'string' || result.reason === '') throw new Error('a refusal without a reason');
    }
    expect(understood).toBeGreaterThan(5_000);
  });

  it('the request handler answers 20 000 requests with an ERROR or a transfer, never a throw', async () => {
    const fuzz = makeFuzzer(SEED + 1);
    let transfers = 0;
    let errors = 0;
    const deps = {
      source,
      limits: { maxBlksize: 65464, maxWindowsize: 65535, defaultTimeoutMs: 1000 },
      log: () => undefined,
      startTransfer: async (request: { file: { close(): Promise<void> }; negotiated: { blksize: number; windowsize: number } }) => {
        const { blksize, windowsize } = request.negotiated;
        if (blksize < 8 || blksize > 65464 || windowsize < 1 || windowsize > 65535) throw new Error(`negotiated ${blksize}/${windowsize}`);
        transfers++;
        await request.file.close();
      },
    };
    for (let i = 0; i < 20_000; i++) {
      await handleRequest(parsePacket(fuzz.packet()), { remoteAddress: '127.0.0.1', remotePort: 1 }, deps, (reply) => {
        const parsed = parsePacket(reply);
        if (!parsed.ok || parsed.packet.opcode !== Opcode.ERROR) throw new Error('a reply that is not an ERROR');
        errors++;
      });
    }
    expect(transfers).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });

  it('a live server takes 6 000 datagrams of junk and still serves correctly', async () => {
    const fuzz = makeFuzzer(SEED + 2);
    const logs: TftpLogEntry[] = [];
    const server: TftpServer = await startTftpServer({
      address: '127.0.0.1',
      port: 0,
      source,
      options: { timeoutMs: 30, maxTimeoutMs: 60, maxRetries: 1 },
      log: (e) => logs.push(e),
    });
    const sockets: Socket[] = [];
    const fdsBefore = readdirSync('/proc/self/fd').length;
    try {
      let answers = 0;
      for (let s = 0; s < 6; s++) {
        const socket = createSocket('udp4');
        await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
        // Whoever answers (the listener or a transfer's TID) gets junk back now and then.
        socket.on('message', (_msg, from) => {
          answers++;
          if (from.port !== server.port && fuzz.int(3) === 0) {
            const sender = sockets[fuzz.int(sockets.length)]!;
            sender.send(fuzz.pick([encodeAck(fuzz.int(3)), fuzz.mutate(encodeAck(1)), encodeError(fuzz.int(9), 'x'), Buffer.alloc(0)]), from.port, '127.0.0.1');
          }
        });
        sockets.push(socket);
      }
      for (let i = 0; i < 6000; i++) {
        sockets[i % sockets.length]!.send(fuzz.packet(), server.port, '127.0.0.1');
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(answers).toBeGreaterThan(500);
      const { requestsRefused, transfersStarted } = server.stats();
      expect(requestsRefused + transfersStarted).toBeGreaterThan(500);

      // Junk transfers that asked for a long RFC 2349 timeout may still linger: serving goes on.
      const results = await Promise.all([
        fetchTftp({ host: '127.0.0.1', port: server.port, filename: 'f1000.bin' }),
        fetchTftp({ host: '127.0.0.1', port: server.port, filename: '/f1000.bin', blksize: 100, windowsize: 3, tsize: true }),
      ]);
      for (const result of results) expect(result.sha256).toBe(sha256(content));
      await server.close();
      expect(server.stats().activeTransfers).toBe(0);
      expect(logs.filter((e) => e.level === 'error')).toEqual([]);
      for (const socket of sockets) socket.close();
      sockets.length = 0;
      // Closing is asynchronous in libuv: give a loaded machine a moment before counting.
      for (let waited = 0; readdirSync('/proc/self/fd').length > fdsBefore && waited < 3000; waited += 50) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(fdsBefore);
    } finally {
      for (const socket of sockets) socket.close();
      await server.close();
    }
  });
});

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendStream } from './send-stream';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves one source through sendStream; resolves with the URL. */
async function serving(source: () => AsyncGenerator<Buffer>, length: number, written?: (b: Buffer) => void): Promise<string> {
  server = createServer((_req, res) => void sendStream(res, 200, { 'content-length': String(length) }, source(), written));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('sendStream', () => {
  it('writes every buffer in order and hands each back once written', async () => {
    const parts = Array.from({ length: 12 }, (_, i) => Buffer.alloc(1 << 20, i));
    const written: Buffer[] = [];
    const url = await serving(async function* () {
      yield* parts;
    }, 12 << 20, (b) => written.push(b));
    const body = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(body.equals(Buffer.concat(parts))).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(written.length).toBe(parts.length);
    expect(written.every((b, i) => b === parts[i])).toBe(true);
  });

  it('stops the source when the client goes away, and cuts the response short when the source fails', async () => {
    let stopped = false;
    let produced = 0;
    const url = await serving(async function* () {
      try {
        for (;;) {
          produced++;
          yield Buffer.alloc(1 << 20);
        }
      } finally {
        stopped = true;
      }
    }, 1 << 30);
    await new Promise<void>((resolve) => {
      const req = request(url, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    for (let i = 0; i < 100 && !stopped; i++) await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(true);
    expect(produced).toBeLessThan(100);

    server!.close();
    const failing = await serving(async function* () {
      yield Buffer.alloc(1000, 1);
      throw new Error('chunk refused');
    }, 5000);
    // The client never gets the promised length: the connection ends before it.
    await expect(fetch(failing).then((response) => response.arrayBuffer())).rejects.toThrow();
  });
});

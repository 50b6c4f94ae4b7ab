import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bufferFile } from './buffer-file';
import type { TftpFile, TftpFileSource } from './file-source';
import { encodeAck, encodeRequest } from './packet-codec';
import { Opcode } from './protocol';
import type { TftpLogEntry } from './tftp-log';
import { startTftpServer, type TftpServer } from './tftp-server';
import { RawPeer } from './testing/raw-peer';
import { until } from './testing/served-tree';

/**
 * Every file a request opens and every transfer socket is closed, on the paths where a
 * request is still being set up: its file being opened, its socket being bound. Files and
 * sockets are counted; the slow steps are held open by gates so the races are exact.
 */

/** Transfer sockets opened and closed; `gate`, when set, holds a transfer between its socket and its start. */
const transferSockets = vi.hoisted(() => ({ opened: 0, closed: 0, gate: null as Promise<void> | null }));

vi.mock('./transfer-socket', async (importOriginal) => {
  const real = await importOriginal<typeof import('./transfer-socket')>();
  return {
    ...real,
    openTransferSocket: async (...args: Parameters<typeof real.openTransferSocket>) => {
      const socket = await real.openTransferSocket(...args);
      transferSockets.opened++;
      await transferSockets.gate;
      return {
        port: socket.port,
        send: socket.send,
        close: () => {
          transferSockets.closed++;
          return socket.close();
        },
      };
    },
  };
});

const CONTENT = Buffer.alloc(1000, 7);
/** Every gate is opened after each test, so a failing one cannot leave close() waiting. */
const releases: (() => void)[] = [];

/** A source of one 1000-octet file whose open() waits for `release()`; counts opens and closes. */
function gatedSource() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const counts = { opened: 0, closed: 0 };
  releases.push(release);
  const source: TftpFileSource = {
    async open(): Promise<TftpFile> {
      counts.opened++;
      await gate;
      const file = bufferFile(CONTENT);
      return {
        size: file.size,
        read: file.read,
        close: () => {
          counts.closed++;
          return file.close();
        },
      };
    },
  };
  return { source, counts, release };
}

describe('TFTP server: files and sockets of requests still being set up', () => {
  let peer: RawPeer;
  let server: TftpServer | undefined;
  const logs: TftpLogEntry[] = [];

  beforeEach(async () => {
    transferSockets.opened = 0;
    transferSockets.closed = 0;
    transferSockets.gate = null;
    logs.length = 0;
    peer = await RawPeer.open();
  });

  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    await server?.close();
    server = undefined;
    await peer.close();
  });

  /** A long retransmission timeout: a transfer close() misses stays open well past the test. */
  const serve = (source: TftpFileSource) => startTftpServer({ address: '127.0.0.1', port: 0, source, options: { timeoutMs: 10_000, maxRetries: 5 }, log: (e) => logs.push(e) });
  const strays = (): number => logs.filter((e) => e.event === 'stray-packet' && e.peer === `127.0.0.1:${peer.port}`).length;

  it('a stray ACK from a client whose RRQ is being opened does not let its next RRQ start a second transfer', async () => {
    const { source, counts, release } = gatedSource();
    server = await serve(source);
    const rrq = encodeRequest(Opcode.RRQ, 'f.bin', 'octet');
    peer.send(rrq, server.port);
    await until(() => counts.opened === 1);
    // The listener used to free the client's port when this ACK was done with, so the RRQ
    // after it started a second transfer that replaced the first in the running set: the
    // first ran on unseen, and close() left its file and its two sockets open.
    peer.send(encodeAck(0), server.port);
    await until(() => strays() === 1);
    peer.send(rrq, server.port);
    peer.send(encodeAck(0), server.port); // handled after the RRQ: once logged, the RRQ was too
    await until(() => strays() === 2);
    expect(counts.opened).toBe(1);

    release();
    const first = await peer.next();
    expect(first).toMatchObject({ packet: { opcode: Opcode.DATA, block: 1 } });
    expect(await peer.drain(100)).toEqual([]); // no DATA 1 from a second TID
    expect(server.stats()).toMatchObject({ transfersStarted: 1, activeTransfers: 1 });

    await server.close();
    expect(counts.closed).toBe(counts.opened);
    expect(transferSockets).toMatchObject({ opened: 1, closed: 1 });
    expect(server.stats().activeTransfers).toBe(0);
  });

  it('close() while a transfer socket is being opened: the transfer never starts, its file and socket are closed', async () => {
    const { source, counts, release } = gatedSource();
    release();
    let openSocket!: () => void;
    transferSockets.gate = new Promise<void>((resolve) => (openSocket = resolve));
    releases.push(openSocket);
    server = await serve(source);
    peer.send(encodeRequest(Opcode.RRQ, 'f.bin', 'octet'), server.port);
    await until(() => transferSockets.opened === 1);

    const closed = server.close();
    // Let close() stop the listener (its close callback is a nextTick) and abort what is
    // running, which does not include this transfer yet; then let the socket finish.
    await new Promise((r) => setTimeout(r, 20));
    openSocket();
    await closed;
    expect(counts).toEqual({ opened: 1, closed: 1 });
    expect(transferSockets).toMatchObject({ opened: 1, closed: 1 });
    expect(server.stats()).toMatchObject({ transfersStarted: 0, activeTransfers: 0 });
    expect(await peer.drain(100)).toEqual([]); // no DATA from a transfer started after close()
    expect(logs.filter((e) => e.level === 'error')).toEqual([]);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bufferFile } from './buffer-file';
import { DataPackets } from './data-packets';
import type { TftpFile } from './file-source';
import { encodeError, parsePacket, type TftpPacket } from './packet-codec';
import { Opcode } from './protocol';
import { ReadTransfer, type ReadTransferSettings, type TransferReport } from './read-transfer';
import { patternBytes } from './testing/temp-root';

/** The state machine alone: packets in, packets out, fake time. No socket anywhere. */

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function harness(file: TftpFile, blksize: number, settings: Partial<ReadTransferSettings> = {}) {
  const sent: TftpPacket[] = [];
  const reports: TransferReport[] = [];
  const transfer = new ReadTransfer(
    new DataPackets(file, blksize),
    { windowsize: 1, timeoutMs: 1000, maxTimeoutMs: 10_000, maxRetries: 5, oack: [], ...settings },
    (raw) => {
      const parsed = parsePacket(raw);
      if (!parsed.ok) throw new Error(parsed.reason);
      sent.push(parsed.packet);
    },
    (report) => reports.push(report),
  );
  const ack = (block: number): void => transfer.handle({ opcode: Opcode.ACK, block: block & 0xffff });
  /** DATA block numbers sent since the last call. */
  let seen = 0;
  const newBlocks = (): number[] => {
    const fresh = sent.slice(seen);
    seen = sent.length;
    return fresh.map((p) => (p.opcode === 3 ? p.block : -p.opcode));
  };
  return { transfer, sent, reports, ack, newBlocks };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('read transfer: lock-step (RFC 1350)', () => {
  it('without options: DATA 1 at once, one block per ACK, a short block ends it', async () => {
    const content = patternBytes(1030);
    const h = harness(bufferFile(content), 512);
    h.transfer.start();
    await flush();
    expect(h.newBlocks()).toEqual([1]);
    h.ack(1);
    expect(h.newBlocks()).toEqual([2]);
    h.ack(2);
    expect(h.newBlocks()).toEqual([3]);
    const data = Buffer.concat(h.sent.map((p) => (p.opcode === 3 ? p.data : Buffer.alloc(0))));
    expect(data.equals(content)).toBe(true);
    expect(h.reports).toEqual([]);
    h.ack(3);
    expect(h.reports).toEqual([{ ok: true, blocksAcknowledged: 3, octetsAcknowledged: 1030, packetsSent: 3, retransmissions: 0 }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [0, [0]],
    [511, [511]],
    [512, [512, 0]], // RFC 1350 §6: a full last block is followed by an empty one
    [513, [512, 1]],
    [1024, [512, 512, 0]],
  ])('a %i-octet file goes as blocks of %j octets', async (size, lengths) => {
    const h = harness(bufferFile(patternBytes(size)), 512);
    h.transfer.start();
    await flush();
    for (let block = 1; block <= lengths.length; block++) h.ack(block);
    expect(h.sent.map((p) => (p.opcode === 3 ? p.data.length : -1))).toEqual(lengths);
    expect(h.reports[0]).toMatchObject({ ok: true, octetsAcknowledged: size });
  });

  it('with an OACK, DATA 1 waits for ACK 0 (RFC 2347 §2)', async () => {
    const h = harness(bufferFile(patternBytes(100)), 512, { oack: [{ name: 'tsize', value: '100' }] });
    h.transfer.start();
    await flush();
    expect(h.sent).toEqual([{ opcode: 6, options: [{ name: 'tsize', value: '100' }] }]);
    h.newBlocks();
    h.ack(1); // not a confirmation of the OACK
    await flush();
    expect(h.newBlocks()).toEqual([]);
    h.ack(0);
    await flush();
    expect(h.newBlocks()).toEqual([1]);
    h.ack(1);
    expect(h.reports[0]).toMatchObject({ ok: true });
  });
});

describe('read transfer: windows (RFC 7440)', () => {
  it('sends a window, advances on its last ACK, and restarts after a partial ACK', async () => {
    const h = harness(bufferFile(patternBytes(512 * 10 + 5)), 512, { windowsize: 4 });
    h.transfer.start();
    await flush();
    expect(h.newBlocks()).toEqual([1, 2, 3, 4]);
    h.ack(4);
    expect(h.newBlocks()).toEqual([5, 6, 7, 8]);
    h.ack(6); // the client lost 7: it acknowledges the last block it got in order
    expect(h.newBlocks()).toEqual([7, 8, 9, 10]);
    h.ack(10);
    expect(h.newBlocks()).toEqual([11]);
    h.ack(11);
    expect(h.reports[0]).toMatchObject({ ok: true, blocksAcknowledged: 11 });
  });

  it('ignores ACKs beyond what was sent and ACKs of older blocks', async () => {
    const h = harness(bufferFile(patternBytes(512 * 20)), 512, { windowsize: 4 });
    h.transfer.start();
    await flush();
    h.newBlocks();
    h.ack(9); // never sent
    h.ack(40000);
    expect(h.newBlocks()).toEqual([]);
    h.ack(4);
    expect(h.newBlocks()).toEqual([5, 6, 7, 8]);
    h.ack(2); // late, already covered
    h.ack(4); // duplicate
    expect(h.newBlocks()).toEqual([]);
  });
});

describe("read transfer: the Sorcerer's Apprentice (RFC 1123 §4.2.3.1)", () => {
  it('a duplicate ACK sends nothing', async () => {
    const h = harness(bufferFile(patternBytes(512 * 5)), 512);
    h.transfer.start();
    await flush();
    for (let block = 1; block <= 6; block++) {
      h.ack(block);
      h.ack(block); // every ACK twice, as a delayed-then-retransmitted ACK would arrive
      h.ack(block);
    }
    expect(h.sent.map((p) => (p.opcode === 3 ? p.block : -1))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.reports).toHaveLength(1);
  });
});

describe('read transfer: retransmission and giving up', () => {
  it('resends the unacknowledged window on timeout, doubling the wait up to the cap, then sends ERROR 0 "timed out"', async () => {
    const h = harness(bufferFile(patternBytes(512 * 8)), 512, { windowsize: 2, timeoutMs: 1000, maxTimeoutMs: 5000, maxRetries: 4 });
    h.transfer.start();
    await flush();
    expect(h.newBlocks()).toEqual([1, 2]);
    h.ack(1);
    expect(h.newBlocks()).toEqual([2, 3]);
    const waits: number[] = [];
    let last = Date.now();
    while (h.reports.length === 0) {
      await vi.advanceTimersByTimeAsync(100);
      const blocks = h.newBlocks();
      if (blocks.length > 0) {
        waits.push(Date.now() - last);
        last = Date.now();
        if (h.reports.length === 0) expect(blocks).toEqual([2, 3]);
      }
    }
    expect(waits).toEqual([1000, 2000, 4000, 5000, 5000]); // 4 resends, then the give-up
    expect(h.sent.at(-1)).toEqual({ opcode: 5, code: 0, message: 'timed out' });
    expect(h.reports[0]).toMatchObject({ ok: false, reason: 'timed out', blocksAcknowledged: 1, retransmissions: 8 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an ACK after a retransmission resets the wait to the base timeout', async () => {
    const h = harness(bufferFile(patternBytes(512 * 4)), 512, { timeoutMs: 1000 });
    h.transfer.start();
    await flush();
    h.newBlocks();
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.newBlocks()).toEqual([1, 1]);
    h.ack(1);
    expect(h.newBlocks()).toEqual([2]);
    await vi.advanceTimersByTimeAsync(999);
    expect(h.newBlocks()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.newBlocks()).toEqual([2]);
  });

  it('retransmits the OACK until ACK 0 arrives', async () => {
    const h = harness(bufferFile(patternBytes(10)), 512, { oack: [{ name: 'blksize', value: '512' }], maxRetries: 1 });
    h.transfer.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.sent.map((p) => p.opcode)).toEqual([6, 6]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.sent.map((p) => p.opcode)).toEqual([6, 6, 5]);
    expect(h.reports[0]).toMatchObject({ ok: false, reason: 'timed out', retransmissions: 1 });
  });

  it('an ERROR from the client ends the transfer without an answer (RFC 1350 §7)', async () => {
    const h = harness(bufferFile(patternBytes(10)), 512, { oack: [{ name: 'blksize', value: '512' }] });
    h.transfer.start();
    const parsed = parsePacket(encodeError(8, 'option refused'));
    if (parsed.ok) h.transfer.handle(parsed.packet);
    expect(h.sent.map((p) => p.opcode)).toEqual([6]);
    expect(h.reports[0]).toMatchObject({ ok: false, reason: 'client sent ERROR 8: option refused' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('abort() tells the client and ends', async () => {
    const h = harness(bufferFile(patternBytes(5000)), 512);
    h.transfer.start();
    await flush();
    h.transfer.abort('server shutting down');
    expect(h.sent.at(-1)).toEqual({ opcode: 5, code: 0, message: 'server shutting down' });
    expect(h.reports[0]).toMatchObject({ ok: false, reason: 'server shutting down' });
    h.ack(1);
    expect(h.sent.filter((p) => p.opcode === 3)).toHaveLength(1);
  });

  it('stop() ends it without a word (the client is gone)', async () => {
    const h = harness(bufferFile(patternBytes(5000)), 512);
    h.transfer.start();
    await flush();
    h.transfer.stop('gone');
    expect(h.sent.map((p) => p.opcode)).toEqual([3]);
    expect(h.reports[0]).toMatchObject({ ok: false, reason: 'gone' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a read error ends the transfer with ERROR 0, and so does a file that shrinks', async () => {
    const failing: TftpFile = { size: 4096, read: () => Promise.reject(new Error('EIO')), close: async () => undefined };
    const h = harness(failing, 512);
    h.transfer.start();
    await flush();
    expect(h.sent).toEqual([{ opcode: 5, code: 0, message: 'read error' }]);
    expect(h.reports[0]).toMatchObject({ ok: false, reason: 'read error: EIO' });

    const shrunk: TftpFile = { size: 4096, read: async () => 100, close: async () => undefined };
    const s = harness(shrunk, 512);
    s.transfer.start();
    await flush();
    expect(s.reports[0]).toMatchObject({ ok: false, reason: expect.stringMatching(/file changed while being sent/) });
  });
});

describe('read transfer: block numbers wrap past 65535 (RFC 1350 §5)', () => {
  async function runAll(windowsize: number) {
    // blksize 8 makes a file of 70 000+ blocks small: 560 003 octets.
    const content = patternBytes(8 * 70_000 + 3, 3);
    const h = harness(bufferFile(content), 8, { windowsize, oack: [{ name: 'blksize', value: '8' }] });
    h.transfer.start();
    h.ack(0);
    await flush();
    const order: number[] = [];
    const received: Buffer[] = [];
    let expected = 1;
    for (let guard = 0; h.reports.length === 0 && guard < 200_000; guard++) {
      const fresh = h.sent.slice(1 + order.length);
      if (fresh.length === 0) {
        await flush();
        continue;
      }
      for (const p of fresh) {
        if (p.opcode !== 3) throw new Error(`unexpected opcode ${p.opcode}`);
        if (p.block !== (expected & 0xffff)) throw new Error(`block ${p.block} where ${expected & 0xffff} was due`);
        order.push(p.block);
        received.push(p.data);
        expected++;
      }
      h.ack((expected - 1) & 0xffff);
    }
    return { content, order, received, report: h.reports[0] };
  }

  it('lock-step: ... 65534, 65535, 0, 1 ...', async () => {
    const { content, order, received, report } = await runAll(1);
    expect(order.slice(65533, 65538)).toEqual([65534, 65535, 0, 1, 2]);
    expect(Buffer.concat(received).equals(content)).toBe(true);
    expect(report).toMatchObject({ ok: true, blocksAcknowledged: 70_001, octetsAcknowledged: content.length });
  });

  it('windows spanning the wrap', async () => {
    const { content, received, report } = await runAll(7);
    expect(Buffer.concat(received).equals(content)).toBe(true);
    expect(report).toMatchObject({ ok: true, blocksAcknowledged: 70_001 });
  });
});

import { Worker } from 'node:worker_threads';
import { deltaJob } from './chunk-delta';

const WORKER_URL = new URL('./chunk-delta-worker.mjs', import.meta.url);

interface Reply {
  id: number;
  delta?: Uint8Array;
  error?: string;
}

/** A buffer's memory to hand over without a copy, when the buffer owns all of it (else a copy that can be). */
function transferable(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes;
  return new Uint8Array(bytes);
}

/**
 * Makes chunk deltas on a worker thread (chunk-delta-worker.mjs): each takes 40–90 ms of zstd
 * work, which on the edge's event loop would stall TFTP, HTTP boot and deploy streams while a
 * capture uploads. The caller prepares the job (deltaJob: checks, dictionary, parameters);
 * the chunk and the dictionary are handed over without a copy, and the delta comes back the
 * same way. One thread, one delta at a time; `close()` ends it.
 */
export class ChunkDeltaThread {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve(delta: Buffer): void; reject(error: Error): void }>();

  /** The delta of `chunk` against `bases`; `chunk` is handed to the thread (do not use it after). */
  async encode(chunk: Uint8Array, bases: readonly Uint8Array[]): Promise<Buffer> {
    const job = deltaJob(transferable(chunk), bases);
    const worker = this.start();
    const id = ++this.seq;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const dictionary = transferable(job.dictionary);
      worker.postMessage({ id, chunk: job.chunk, dictionary, parameters: job.parameters }, [job.chunk.buffer as ArrayBuffer, dictionary.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    worker.on('message', (reply: Reply) => {
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if (reply.delta) job.resolve(Buffer.from(reply.delta.buffer, reply.delta.byteOffset, reply.delta.byteLength));
      else job.reject(new Error(`delta not made: ${reply.error ?? 'no answer'}`));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the delta thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

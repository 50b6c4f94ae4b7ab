import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChunkRef } from '@marrow/shared';
import { ChunkDecoder, ChunkVerificationError } from './chunk-codec';

/** Decompresses chunks and proves each (length and SHA-256); rejects with ChunkVerificationError when one is not what was asked for. */
export interface ChunkVerifier {
  /** The chunk's bytes, proven. `compressed` stays the caller's (it is copied, not taken). */
  decode(ref: ChunkRef, compressed: Uint8Array): Promise<Buffer>;
  /** Reads the chunk from its file in the cache and decodes it there; undefined when there is no such file. */
  decodeFile?(ref: ChunkRef, path: string): Promise<Buffer | undefined>;
  /**
   * The caller is done with a chunk this verifier decoded (it has been written out, nothing
   * refers to it any more): its memory may hold another chunk.
   */
  recycle?(data: Buffer): void;
}

/** Decodes on the calling thread (ChunkDecoder); for callers without a pool. */
export class InlineChunkVerifier implements ChunkVerifier {
  private readonly decoder = new ChunkDecoder();

  async decode(ref: ChunkRef, compressed: Uint8Array): Promise<Buffer> {
    return this.decoder.decode(ref, compressed);
  }
}

/**
 * Memory for decoded chunks, lent to the threads and taken back once the chunk has been
 * written out. Without it every chunk is a new multi-megabyte buffer, and V8 answers that much
 * external memory with a full garbage collection every ~64 MB streamed.
 */
class ChunkMemory {
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  /**
   * Buffers that came back from a thread: only these are taken back (a buffer of someone
   * else's could still be in use). A transfer makes a new ArrayBuffer on arrival and leaves
   * every view of the old one empty, so a stale view can never reach a chunk lent out again.
   */
  private readonly ours = new WeakSet<ArrayBuffer>();
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly keepBytes: number,
    private readonly idleMs: number,
  ) {}

  /** At least `size` bytes: the smallest free buffer that fits without wasting more than its size, else a new one. */
  take(size: number): ArrayBuffer {
    this.touch();
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const length = this.free[i]!.byteLength;
      if (length >= size && length <= 2 * size && (best < 0 || length < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const [buffer] = this.free.splice(best, 1);
      this.freeBytes -= buffer!.byteLength;
      return buffer!;
    }
    // Rounded up so that chunks of similar sizes share buffers.
    return new ArrayBuffer(Math.ceil(size / 262_144) * 262_144);
  }

  /** A buffer back from a thread. */
  own(buffer: ArrayBuffer): ArrayBuffer {
    this.ours.add(buffer);
    return buffer;
  }

  give(buffer: ArrayBuffer): void {
    if (this.stopped || !this.ours.has(buffer) || buffer.byteLength === 0 || this.free.includes(buffer)) return;
    if (this.freeBytes + buffer.byteLength > this.keepBytes) return; // left to the garbage collector
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
    this.touch();
  }

  /** Keeps nothing from now on. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  clear(): void {
    this.free.length = 0;
    this.freeBytes = 0;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** An edge that streams nothing for a while keeps no spare buffers. */
  private touch(): void {
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.clear(), this.idleMs).unref();
  }
}

interface Job {
  resolve(data: Buffer | undefined): void;
  reject(error: Error): void;
  n: number;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}

interface Reply {
  id: number;
  out: ArrayBuffer;
  missing?: boolean;
  error?: string;
  verification?: boolean;
}

const WORKER_URL = new URL('./chunk-decode-worker.mjs', import.meta.url);

/** Two threads where there are two cores or more: deploy streams to several machines at once keep both busy. */
export function defaultDecodeThreads(): number {
  return Math.min(2, availableParallelism());
}

export interface ChunkDecodePoolOptions {
  /** Worker threads at most (default: defaultDecodeThreads()). */
  threads?: number;
  /** Spare chunk memory kept for reuse (default 64 MiB), dropped after `idleMs` (default 30 s) without a stream. */
  keepBytes?: number;
  idleMs?: number;
}

/**
 * Worker threads that read, decompress and verify chunks (chunk-decode-worker.mjs), so that a
 * deploy stream's file reads, zstd and SHA-256 run beside the event loop that writes to the
 * sockets instead of between its writes. Shared by every stream of an edge. Threads start on
 * first use, one more only when the others are busy; they hold the process open only while
 * they have work; `close()` stops them. Decoded chunks come back by transfer (no copy), in
 * memory the pool takes back through `recycle()`.
 */
export class ChunkDecodePool implements ChunkVerifier {
  readonly size: number;
  private readonly threads: (Thread | undefined)[];
  private readonly memory: ChunkMemory;
  private nextId = 0;
  private closed = false;

  constructor(options: ChunkDecodePoolOptions = {}) {
    this.size = options.threads ?? defaultDecodeThreads();
    if (!Number.isInteger(this.size) || this.size < 1) throw new Error(`a decode pool needs at least one thread, not ${this.size}`);
    this.threads = Array.from({ length: this.size }, () => undefined);
    this.memory = new ChunkMemory(options.keepBytes ?? 64 * 1024 * 1024, options.idleMs ?? 30_000);
  }

  /** Worker threads running now. */
  get runningThreads(): number {
    return this.threads.filter(Boolean).length;
  }

  decode(ref: ChunkRef, compressed: Uint8Array): Promise<Buffer> {
    // A copy of just these bytes, moved (cloning the view would copy all of its ArrayBuffer).
    return this.submit(ref, { compressed: new Uint8Array(compressed) }) as Promise<Buffer>;
  }

  decodeFile(ref: ChunkRef, path: string): Promise<Buffer | undefined> {
    return this.submit(ref, { path });
  }

  recycle(data: Buffer): void {
    if (data.byteOffset === 0 && data.buffer instanceof ArrayBuffer) this.memory.give(data.buffer);
  }

  /** Stops the threads; decodes still running are refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.memory.stop();
    const running = this.threads.filter((t): t is Thread => t !== undefined);
    this.threads.fill(undefined);
    await Promise.all(
      running.map(async (thread) => {
        this.failAll(thread, new Error('the chunk decode pool was closed'));
        await thread.worker.terminate();
      }),
    );
  }

  private submit(ref: ChunkRef, input: { compressed: Uint8Array } | { path: string }): Promise<Buffer | undefined> {
    if (this.closed) return Promise.reject(new Error('the chunk decode pool is closed'));
    const thread = this.pick();
    const id = ++this.nextId;
    // One byte more than the chunk: a chunk that decompresses to more than it should is caught.
    const out = this.memory.take(ref.n + 1);
    return new Promise<Buffer | undefined>((resolve, reject) => {
      thread.jobs.set(id, { resolve, reject, n: ref.n });
      if (thread.jobs.size === 1) thread.worker.ref();
      try {
        const transfer = 'compressed' in input ? [out, input.compressed.buffer as ArrayBuffer] : [out];
        thread.worker.postMessage({ id, h: ref.h, n: ref.n, out, ...input }, transfer);
      } catch (error) {
        thread.jobs.delete(id);
        if (thread.jobs.size === 0) thread.worker.unref();
        reject(error as Error);
      }
    });
  }

  /** The least busy thread; a new one when every running thread has work and there is room. */
  private pick(): Thread {
    let best: Thread | undefined;
    let free = -1;
    this.threads.forEach((thread, slot) => {
      if (!thread) {
        if (free < 0) free = slot;
      } else if (!best || thread.jobs.size < best.jobs.size) best = thread;
    });
    if (best && (best.jobs.size === 0 || free < 0)) return best;
    return this.start(free);
  }

  private start(slot: number): Thread {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const thread: Thread = { worker, jobs: new Map() };
    this.threads[slot] = thread;
    worker.on('message', (reply: Reply) => {
      this.memory.own(reply.out);
      const job = thread.jobs.get(reply.id);
      thread.jobs.delete(reply.id);
      if (thread.jobs.size === 0) worker.unref();
      if (!job) return this.memory.give(reply.out);
      if (reply.error === undefined && !reply.missing) return job.resolve(Buffer.from(reply.out, 0, job.n));
      this.memory.give(reply.out);
      if (reply.missing) job.resolve(undefined);
      else job.reject(reply.verification ? new ChunkVerificationError(reply.error) : new Error(reply.error));
    });
    const lost = (error: Error) => {
      if (this.threads[slot] === thread) this.threads[slot] = undefined;
      this.failAll(thread, error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a chunk decode thread stopped (exit code ${code})`)));
    return thread;
  }

  private failAll(thread: Thread, error: Error): void {
    const jobs = [...thread.jobs.values()];
    thread.jobs.clear();
    thread.worker.unref();
    for (const job of jobs) job.reject(error);
  }
}

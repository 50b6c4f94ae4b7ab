import { TftpError } from './errors';
import type { TftpFile } from './file-source';
import { DATA_HEADER_OCTETS, Opcode } from './protocol';

/**
 * The DATA packets of one transfer (RFC 1350 §5 fig. 5-2), built ahead of need.
 *
 * Blocks are numbered from 1 without wrapping here (the 16-bit wire number is `n & 0xffff`,
 * RFC 1350 §5). The file is read in chunks of many blocks with one read each; a chunk
 * buffer holds finished packets back to back (header, data, header, data…), so sending a
 * block is handing a view of that buffer to the socket: no copy, no allocation per packet
 * beyond the view. The next chunk is read while the current one is being sent, which keeps
 * the send path synchronous. Chunks are never reused for other data (a socket may still
 * hold a view), only dropped once every block in them is acknowledged.
 */

/** About this much file data per read. */
const CHUNK_TARGET_OCTETS = 512 * 1024;
/** Cached chunks beyond this are dropped oldest first and re-read if a retransmission needs them. */
const CACHE_MAX_OCTETS = 32 * 1024 * 1024;

/** Read-ahead failures are kept in `failure` and surface through `ready()`. */
const ignore = (): void => undefined;

interface Chunk {
  readonly buffer: Buffer;
  readonly views: (Buffer | undefined)[];
}

export class DataPackets {
  /** RFC 1350 §6: a block shorter than blksize ends the transfer, so a file of k·blksize octets ends with an empty block. */
  readonly totalBlocks: number;
  private readonly blocksPerChunk: number;
  private readonly slot: number;
  private readonly chunks = new Map<number, Chunk>();
  private readonly loading = new Map<number, Promise<void>>();
  private cachedOctets = 0;
  /** Chunks below this index were dropped as acknowledged. */
  private released = 0;
  private failure: unknown = null;

  constructor(
    private readonly file: TftpFile,
    readonly blksize: number,
  ) {
    this.totalBlocks = Math.floor(file.size / blksize) + 1;
    this.blocksPerChunk = Math.max(1, Math.floor(CHUNK_TARGET_OCTETS / blksize));
    this.slot = DATA_HEADER_OCTETS + blksize;
  }

  get size(): number {
    return this.file.size;
  }

  /** The packet of block `n` (1..totalBlocks) if it is ready; otherwise starts reading it and returns undefined. */
  packet(n: number): Buffer | undefined {
    const index = Math.floor((n - 1) / this.blocksPerChunk);
    const chunk = this.chunks.get(index);
    if (!chunk) {
      this.load(index).catch(ignore);
      return undefined;
    }
    const i = n - 1 - index * this.blocksPerChunk;
    let view = chunk.views[i];
    if (view === undefined) {
      const start = i * this.slot;
      view = chunk.buffer.subarray(start, start + DATA_HEADER_OCTETS + this.dataLength(n));
      chunk.views[i] = view;
      // Read ahead: the first look into a chunk starts reading the next one.
      if (i === 0) this.load(index + 1).catch(ignore);
    }
    return view;
  }

  /** Resolves when block `n` is ready; rejects with the read error if the file could not be read. */
  ready(n: number): Promise<void> {
    return this.load(Math.floor((n - 1) / this.blocksPerChunk));
  }

  /** Drops chunks whose blocks are all acknowledged (every block ≤ `acked`). */
  release(acked: number): void {
    const below = Math.floor(acked / this.blocksPerChunk); // chunks 0..below-1 are done
    if (below <= this.released) return;
    for (const [index, chunk] of this.chunks) {
      if (index < below) {
        this.chunks.delete(index);
        this.cachedOctets -= chunk.buffer.length;
      }
    }
    this.released = below;
  }

  private dataLength(n: number): number {
    return Math.max(0, Math.min(this.blksize, this.file.size - (n - 1) * this.blksize));
  }

  private load(index: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const first = index * this.blocksPerChunk + 1;
    if (first > this.totalBlocks || this.chunks.has(index)) return Promise.resolve();
    let pending = this.loading.get(index);
    if (!pending) {
      pending = this.read(index, first).then(
        () => void this.loading.delete(index),
        (error: unknown) => {
          this.loading.delete(index);
          this.failure = error;
          throw error;
        },
      );
      this.loading.set(index, pending);
    }
    return pending;
  }

  private async read(index: number, first: number): Promise<void> {
    const blocks = Math.min(this.blocksPerChunk, this.totalBlocks - first + 1);
    const position = (first - 1) * this.blksize;
    const octets = Math.max(0, Math.min(blocks * this.blksize, this.file.size - position));
    const buffer = Buffer.allocUnsafe(blocks * this.slot);
    // Read the data to the tail of the buffer, then move each block forward into its slot
    // behind its header: slot i starts at i·(4+blksize), its data at 4·blocks + i·blksize
    // in the tail, which is never before the slot, so ascending moves never overwrite.
    const tail = blocks * DATA_HEADER_OCTETS;
    const got = octets === 0 ? 0 : await this.file.read(buffer, tail, octets, position);
    if (got !== octets) throw new TftpError(`file changed while being sent (read ${got} of ${octets} octets at ${position})`);
    for (let i = 0; i < blocks; i++) {
      const start = i * this.slot;
      buffer.copyWithin(start + DATA_HEADER_OCTETS, tail + i * this.blksize, tail + i * this.blksize + this.dataLength(first + i));
      buffer.writeUInt16BE(Opcode.DATA, start);
      buffer.writeUInt16BE((first + i) & 0xffff, start + 2); // RFC 1350 §5: 16-bit block number, wrapping to 0
    }
    this.chunks.set(index, { buffer, views: new Array<Buffer | undefined>(blocks) });
    this.cachedOctets += buffer.length;
    for (const [old, chunk] of this.chunks) {
      if (this.cachedOctets <= CACHE_MAX_OCTETS || old === index) break;
      this.chunks.delete(old);
      this.cachedOctets -= chunk.buffer.length;
    }
  }
}

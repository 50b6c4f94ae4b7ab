import { createHash } from 'node:crypto';
import { Compressor, Decompressor } from 'zstd-napi';
import type { ChunkRef } from '@marrow/shared';

/** zstd level 3: ~480 MB/s per core here, well ahead of the wire; level 1 compresses notably worse for ~25 % more speed. */
export const ZSTD_LEVEL = 3;

export interface EncodedChunk {
  ref: ChunkRef;
  compressed: Buffer;
}

/** Hashes and compresses chunks; one per stream (zstd contexts are reused, not thread-safe). */
export class ChunkEncoder {
  private readonly compressor = new Compressor();

  constructor(level = ZSTD_LEVEL) {
    this.compressor.setParameters({ compressionLevel: level });
  }

  encode(chunk: Uint8Array): EncodedChunk {
    const h = createHash('sha256').update(chunk).digest('hex');
    const compressed = this.compressor.compress(chunk);
    return { ref: { h, n: chunk.length, c: compressed.length }, compressed };
  }
}

export class ChunkVerificationError extends Error {}

/** Decompresses a chunk and proves it is the one asked for (length and SHA-256). */
export class ChunkDecoder {
  private readonly decompressor = new Decompressor();

  decode(ref: ChunkRef, compressed: Uint8Array): Buffer {
    let data: Buffer;
    try {
      data = this.decompressor.decompress(compressed);
    } catch (error) {
      throw new ChunkVerificationError(`chunk ${ref.h} does not decompress: ${(error as Error).message}`);
    }
    if (data.length !== ref.n) throw new ChunkVerificationError(`chunk ${ref.h} has ${data.length} bytes, expected ${ref.n}`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== ref.h) throw new ChunkVerificationError(`chunk ${ref.h} does not match its hash (got ${actual})`);
    return data;
  }

  /** Proves a cached chunk file known only by its name (no manifest at hand): it decompresses, and its SHA-256 is that name. */
  decodeNamed(hash: string, compressed: Uint8Array): Buffer {
    let data: Buffer;
    try {
      data = this.decompressor.decompress(compressed);
    } catch (error) {
      throw new ChunkVerificationError(`chunk ${hash} does not decompress: ${(error as Error).message}`);
    }
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== hash) throw new ChunkVerificationError(`chunk ${hash} does not match its name (got ${actual})`);
    return data;
  }
}

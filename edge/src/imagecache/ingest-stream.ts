import { createHash } from 'node:crypto';
import type { ChunkRef } from '@marrow/shared';
import { ContentDefinedChunker, type ChunkerLimits } from './content-defined-chunker';
import { ChunkEncoder } from './chunk-codec';
import type { ChunkStore } from './chunk-store';

export interface IngestResult {
  chunks: ChunkRef[];
  streamBytes: number;
  streamSha256: string;
  /** Hashes this stream added to the cache (what must still go up to S3). */
  newChunks: string[];
  /** Compressed bytes of the chunks it added. */
  newCompressedBytes: number;
}

export interface IngestOptions {
  limits?: ChunkerLimits;
  onProgress?: (bytes: number) => void;
}

/**
 * Capture intake: cuts a partition stream into content-defined chunks, hashes and
 * compresses each, and stores the new ones in the cache — one pass, on one core. The whole
 * stream is hashed too, so a restore can prove it rebuilt exactly these bytes.
 */
export async function ingestStream(source: AsyncIterable<Uint8Array>, store: ChunkStore, options: IngestOptions = {}): Promise<IngestResult> {
  const encoder = new ChunkEncoder();
  const whole = createHash('sha256');
  const chunks: ChunkRef[] = [];
  const newChunks: string[] = [];
  let newCompressedBytes = 0;
  let streamBytes = 0;
  let ready: Uint8Array[] = [];
  const chunker = new ContentDefinedChunker((chunk) => ready.push(chunk), options.limits);
  // The stream's chunks stay pinned while it is ingested: eviction must not take a chunk
  // that a manifest being written is about to name.
  const pinned = new Set<string>();
  const releases: (() => void)[] = [];

  const storeReady = async () => {
    const batch = ready;
    ready = [];
    for (const chunk of batch) {
      const { ref, compressed } = encoder.encode(chunk);
      chunks.push(ref);
      if (!pinned.has(ref.h)) {
        pinned.add(ref.h);
        releases.push(store.pin([ref.h]));
      }
      if (await store.put(ref.h, compressed)) {
        newChunks.push(ref.h);
        newCompressedBytes += ref.c;
      }
    }
  };

  try {
    for await (const data of source) {
      whole.update(data);
      streamBytes += data.length;
      chunker.push(data);
      if (ready.length) await storeReady();
      options.onProgress?.(streamBytes);
    }
    chunker.finish();
    await storeReady();
  } finally {
    for (const release of releases) release();
  }
  return { chunks, streamBytes, streamSha256: whole.digest('hex'), newChunks, newCompressedBytes };
}

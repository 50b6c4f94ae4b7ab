import type { ChunkRef } from '@marrow/shared';
import { ChunkDecoder, ChunkVerificationError } from './chunk-codec';
import type { ChunkStore } from './chunk-store';

/** Fetches a compressed chunk the cache does not hold (from S3 through a presigned URL). */
export type ChunkFetcher = (ref: ChunkRef) => Promise<Uint8Array>;

/**
 * Deploy streaming: rebuilds a partition stream from its chunks, in order, each verified
 * (length and SHA-256) before a byte of it leaves. Chunks missing from the cache are fetched,
 * verified, then cached. The stream's chunks stay pinned while it runs. The next chunk is
 * read and decoded while the current one is being sent.
 */
export async function* rebuildStream(chunks: readonly ChunkRef[], store: ChunkStore, fetchMissing?: ChunkFetcher): AsyncGenerator<Buffer> {
  const decoder = new ChunkDecoder();
  const release = store.pin(chunks.map((c) => c.h));
  const load = async (ref: ChunkRef): Promise<Buffer> => {
    const cached = await store.get(ref.h);
    if (cached) {
      try {
        return decoder.decode(ref, cached);
      } catch (error) {
        // A damaged cache file: drop it and fetch a good copy if we can.
        if (!(error instanceof ChunkVerificationError) || !fetchMissing) throw error;
        await store.remove(ref.h);
      }
    }
    if (!fetchMissing) throw new Error(`chunk ${ref.h} is not in the cache and nothing can fetch it`);
    const compressed = await fetchMissing(ref);
    const data = decoder.decode(ref, compressed);
    await store.put(ref.h, compressed);
    return data;
  };
  try {
    let next = chunks.length ? load(chunks[0]!) : undefined;
    for (let i = 0; i < chunks.length; i++) {
      const current = await next!;
      next = i + 1 < chunks.length ? load(chunks[i + 1]!) : undefined;
      // A failed prefetch surfaces when its turn comes, not as an unhandled rejection now.
      next?.catch(() => undefined);
      yield current;
    }
  } finally {
    release();
  }
}

import type { ChunkRef } from '@marrow/shared';
import { ChunkVerificationError } from './chunk-codec';
import { InlineChunkVerifier, type ChunkVerifier } from './chunk-decode-pool';
import type { ChunkStore } from './chunk-store';

/** Fetches a compressed chunk the cache does not hold (from S3 through a presigned URL). */
export type ChunkFetcher = (ref: ChunkRef) => Promise<Uint8Array>;

export interface RebuildOptions {
  /**
   * Where chunks are read, decompressed and verified: the edge's ChunkDecodePool, so that
   * this overlaps the socket writes; on this thread (ChunkDecoder) when absent. A consumer of
   * a pool's stream may hand each chunk back (`verifier.recycle`) once it has written it out.
   */
  verifier?: ChunkVerifier;
  /** Chunks read and decoded ahead of the one being sent (default 3)… */
  ahead?: number;
  /** …as long as their decoded bytes stay within this (default 24 MiB; one chunk at least). */
  aheadBytes?: number;
}

/**
 * Deploy streaming: rebuilds a partition stream from its chunks, in order, each verified
 * (length and SHA-256) before a byte of it leaves. Chunks missing from the cache are fetched,
 * verified, then cached; a cached chunk that fails verification is dropped and fetched again.
 * The stream's chunks stay pinned while it runs. The next chunks are read and decoded while
 * the current one is being sent.
 */
export async function* rebuildStream(
  chunks: readonly ChunkRef[],
  store: ChunkStore,
  fetchMissing?: ChunkFetcher,
  options: RebuildOptions = {},
): AsyncGenerator<Buffer> {
  const verifier: ChunkVerifier = options.verifier ?? new InlineChunkVerifier();
  const ahead = Math.max(1, options.ahead ?? 3);
  const aheadBytes = options.aheadBytes ?? 24 * 1024 * 1024;
  const release = store.pin(chunks.map((c) => c.h));
  /** The chunk proven from the cache; undefined when the cache does not hold it. */
  const fromCache = async (ref: ChunkRef, lookedUp: () => void): Promise<Buffer | undefined> => {
    if (!verifier.decodeFile) {
      const cached = await store.get(ref.h);
      lookedUp();
      return cached && verifier.decode(ref, cached);
    }
    const path = await store.locate(ref.h);
    lookedUp();
    if (!path) return undefined;
    const data = await verifier.decodeFile(ref, path);
    if (!data) await store.remove(ref.h); // gone from the disk behind the index's back
    return data;
  };
  /**
   * Loads overlap, but take turns to look in the cache, so that chunks missing from it are
   * fetched in stream order (a damaged one is fetched when its verification fails).
   */
  const load = async (ref: ChunkRef, turn: Promise<void>, passTurn: () => void): Promise<Buffer> => {
    try {
      await turn;
      try {
        const cached = await fromCache(ref, passTurn);
        if (cached) return cached;
      } catch (error) {
        // A damaged cache file: drop it and fetch a good copy if we can.
        if (!(error instanceof ChunkVerificationError) || !fetchMissing) throw error;
        await store.remove(ref.h);
      }
      if (!fetchMissing) throw new Error(`chunk ${ref.h} is not in the cache and nothing can fetch it`);
      // A chunk repeated within the loads in flight (zeros…) is downloaded once.
      let download = downloads.get(ref.h);
      const mine = !download;
      if (!download) downloads.set(ref.h, (download = fetchMissing(ref)));
      passTurn();
      try {
        const compressed = await download;
        const data = await verifier.decode(ref, compressed);
        await store.put(ref.h, compressed);
        return data;
      } finally {
        if (mine) downloads.delete(ref.h);
      }
    } finally {
      passTurn();
    }
  };
  const downloads = new Map<string, Promise<Uint8Array>>();
  // Loads in flight, in stream order: chunks[next - loading.length] … chunks[next - 1].
  const loading: Promise<Buffer>[] = [];
  let loadingBytes = 0;
  let next = 0;
  let turn = Promise.resolve();
  const fill = () => {
    while (next < chunks.length && (loading.length === 0 || (loading.length < ahead && loadingBytes + chunks[next]!.n <= aheadBytes))) {
      const ref = chunks[next++]!;
      const mine = turn;
      let passTurn!: () => void;
      turn = new Promise<void>((resolve) => (passTurn = resolve));
      const loaded = load(ref, mine, passTurn);
      // A failed load surfaces when its turn comes, not as an unhandled rejection now.
      loaded.catch(() => undefined);
      loading.push(loaded);
      loadingBytes += ref.n;
    }
  };
  try {
    for (let i = 0; i < chunks.length; i++) {
      fill();
      const current = await loading.shift()!;
      loadingBytes -= chunks[i]!.n;
      fill();
      yield current;
    }
  } finally {
    release();
  }
}

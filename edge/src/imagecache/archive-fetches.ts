import type { ChunkRef } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import { ChunkDecoder, ChunkEncoder } from './chunk-codec';
import { ChunkDeltaDecoder, DecodedChunks } from './chunk-delta';
import type { ChunkStore } from './chunk-store';

/** Presigned URLs of one chunk: the whole chunk, and its delta when one is worth trying. */
export interface ChunkUrls {
  chunk?: string | undefined;
  delta?: string | undefined;
}

export interface FetchedChunk {
  /** The compressed chunk, verified, and in the cache. */
  compressed: Buffer;
  /**
   * How this call got it: rebuilt from a delta, downloaded whole, found in the cache (another
   * fetch stored it meanwhile), or joined a fetch of the same chunk already under way.
   */
  via: 'delta' | 'whole' | 'cached' | 'joined';
  /** Bytes this call downloaded: a delta (also one that failed) and/or the whole chunk. */
  downloadedBytes: number;
  /** The delta's bytes, when it rebuilt the chunk. */
  deltaBytes: number;
  /** A delta was tried and could not be used: the chunk was downloaded whole. */
  deltaFallback: boolean;
}

const TIMEOUT_MS = 120_000;

/**
 * The edge's fetches of chunks it lacks from the archive, one at a time per chunk for the
 * whole edge: a master sync and the deploys that start before it ends need the same chunks,
 * and a branch's link should carry each of them once. A chunk whose delta (chunk-delta.ts)
 * has its bases in the cache is rebuilt from the delta; when that fails for any reason it is
 * downloaded whole. Whatever the way, the chunk is proven (length and SHA-256, never trusted)
 * before it is stored, and stored before anyone is given it.
 */
export class ArchiveFetches {
  private readonly inFlight = new Map<string, Promise<FetchedChunk>>();
  // Each decode and encode call is synchronous: one of each serves every concurrent fetch.
  private readonly decoder = new ChunkDecoder();
  private readonly deltaDecoder = new ChunkDeltaDecoder();
  private readonly encoder = new ChunkEncoder();

  constructor(
    private readonly store: ChunkStore,
    private readonly controlPlane: Pick<ControlPlaneClient, 'chunkDownloadUrls' | 'deltaDownloadUrls'>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /**
   * `ref`'s chunk, fetched unless the cache got it meanwhile or a fetch of it is under way (then
   * that one's result, `via: 'joined'`). `urls` are the presigned URLs when the caller has them
   * (a sync asks for all of its chunks at once); without them, the control plane is asked for
   * this chunk's. `bases` keeps decoded delta bases across the calls of one caller.
   */
  fetch(ref: ChunkRef, urls?: ChunkUrls, bases?: DecodedChunks): Promise<FetchedChunk> {
    const running = this.inFlight.get(ref.h);
    if (running) return running.then((fetched) => ({ ...fetched, via: 'joined', downloadedBytes: 0, deltaBytes: 0, deltaFallback: false }));
    const fetching = this.obtain(ref, urls, bases ?? new DecodedChunks(this.store)).finally(() => this.inFlight.delete(ref.h));
    this.inFlight.set(ref.h, fetching);
    return fetching;
  }

  /** Whether the cache holds every one of these chunks (delta bases). */
  async allCached(hashes: readonly string[]): Promise<boolean> {
    for (const hash of hashes) if (!(await this.store.adopt(hash))) return false;
    return true;
  }

  private async obtain(ref: ChunkRef, given: ChunkUrls | undefined, bases: DecodedChunks): Promise<FetchedChunk> {
    const cached = await this.store.get(ref.h);
    if (cached) return { compressed: cached, via: 'cached', downloadedBytes: 0, deltaBytes: 0, deltaFallback: false };
    const urls = given ?? (await this.urlsOf(ref));
    let downloadedBytes = 0;
    let deltaFallback = false;
    if (urls.delta && ref.b && ref.d) {
      const tried = await this.fromDelta(ref, urls.delta, bases);
      downloadedBytes += tried.downloadedBytes;
      if (tried.data) {
        const compressed = this.encoder.encode(tried.data).compressed;
        await this.store.put(ref.h, compressed);
        return { compressed, via: 'delta', downloadedBytes, deltaBytes: tried.downloadedBytes, deltaFallback: false };
      }
      deltaFallback = true;
    }
    const compressed = await this.download(ref, urls.chunk);
    downloadedBytes += compressed.length;
    this.decoder.decode(ref, compressed); // refuses a damaged or substituted chunk
    await this.store.put(ref.h, compressed);
    return { compressed, via: 'whole', downloadedBytes, deltaBytes: 0, deltaFallback };
  }

  /** One chunk's URLs from the control plane; its delta's only when every base is cached. */
  private async urlsOf(ref: ChunkRef): Promise<ChunkUrls> {
    const withDelta = ref.b !== undefined && ref.d !== undefined && (await this.allCached(ref.b));
    const [chunk, delta] = await Promise.all([
      this.controlPlane.chunkDownloadUrls([ref.h]),
      withDelta ? this.controlPlane.deltaDownloadUrls([ref.h]).catch(() => new Map<string, string>()) : new Map<string, string>(),
    ]);
    return { chunk: chunk.get(ref.h), delta: delta.get(ref.h) };
  }

  /** The chunk rebuilt from its delta and proven, or no data when that cannot be done (the caller downloads it whole). */
  private async fromDelta(ref: ChunkRef, url: string, decoded: DecodedChunks): Promise<{ data?: Buffer; downloadedBytes: number }> {
    let downloadedBytes = 0;
    try {
      const bases = await decoded.get(ref.b!);
      if (!bases) return { downloadedBytes };
      const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { downloadedBytes };
      }
      const delta = Buffer.from(await response.arrayBuffer());
      downloadedBytes = delta.length;
      if (delta.length !== ref.d) return { downloadedBytes };
      return { data: this.deltaDecoder.decode(ref, delta, bases), downloadedBytes };
    } catch {
      // A delta is only a shortcut: whatever went wrong, the whole chunk is still there.
      return { downloadedBytes };
    }
  }

  private async download(ref: ChunkRef, url: string | undefined): Promise<Buffer> {
    if (!url) throw new Error(`no download URL for chunk ${ref.h}`);
    const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`chunk ${ref.h}: the archive answered ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length !== ref.c) throw new Error(`chunk ${ref.h}: ${body.length} bytes arrived, expected ${ref.c}`);
    return body;
  }
}

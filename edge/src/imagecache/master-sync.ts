import { uniqueChunks, type ChunkRef } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import { ChunkDecoder } from './chunk-codec';
import type { ChunkStore } from './chunk-store';

export interface SyncReport {
  masterId: string;
  chunks: number;
  alreadyCached: number;
  downloaded: number;
  downloadedBytes: number;
}

const PARALLEL_DOWNLOADS = 4;

/**
 * Pre-fetches a master's chunks into the edge cache, so a deployment streams from the site
 * and not from the cloud. Only chunks the cache lacks are downloaded — a second version of a
 * master costs what changed — each verified before it is stored. Resumable by construction:
 * every verified chunk is durable at once, so an interrupted sync simply finds fewer chunks
 * missing next time.
 */
export async function syncMaster(
  masterId: string,
  store: ChunkStore,
  controlPlane: ControlPlaneClient,
  fetchImpl: typeof fetch = fetch,
): Promise<SyncReport> {
  const manifest = await controlPlane.masterManifest(masterId);
  const chunks = uniqueChunks(manifest);
  const missing: ChunkRef[] = [];
  for (const chunk of chunks) if (!(await store.adopt(chunk.h))) missing.push(chunk);
  const release = store.pin(chunks.map((c) => c.h));
  let downloadedBytes = 0;
  try {
    const urls = await controlPlane.chunkDownloadUrls(missing.map((c) => c.h));
    const queue = [...missing];
    let failure: unknown;
    const worker = async () => {
      const decoder = new ChunkDecoder();
      // After a failure no new chunk is started, but downloads under way finish and are kept.
      for (let ref = queue.shift(); ref && failure === undefined; ref = queue.shift()) {
        try {
          const compressed = await download(ref, urls.get(ref.h), fetchImpl);
          decoder.decode(ref, compressed); // refuses a damaged or substituted chunk
          await store.put(ref.h, compressed);
          downloadedBytes += compressed.length;
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_DOWNLOADS, missing.length) }, worker));
    if (failure !== undefined) throw failure;
  } finally {
    release();
  }
  return { masterId, chunks: chunks.length, alreadyCached: chunks.length - missing.length, downloaded: missing.length, downloadedBytes };
}

async function download(ref: ChunkRef, url: string | undefined, fetchImpl: typeof fetch): Promise<Buffer> {
  if (!url) throw new Error(`no download URL for chunk ${ref.h}`);
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`chunk ${ref.h}: the archive answered ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length !== ref.c) throw new Error(`chunk ${ref.h}: ${body.length} bytes arrived, expected ${ref.c}`);
  return body;
}

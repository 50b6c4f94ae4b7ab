import { uniqueChunks, type ChunkRef } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import { ArchiveFetches } from './archive-fetches';
import { DecodedChunks } from './chunk-delta';
import type { ChunkStore } from './chunk-store';

export interface SyncReport {
  masterId: string;
  chunks: number;
  /** Chunks the cache held, or that a deploy running meanwhile fetched. */
  alreadyCached: number;
  /** Chunks this sync fetched: rebuilt from a delta (deltaChunks) or downloaded whole. */
  downloaded: number;
  /** Bytes actually downloaded: deltas (including any that failed and were replaced) and whole chunks. */
  downloadedBytes: number;
  /** Chunks rebuilt from a delta against chunks the cache held. */
  deltaChunks: number;
  /** Their deltas' bytes (part of downloadedBytes). */
  deltaBytes: number;
  /** Deltas that could not be used (missing from the archive, or not rebuilding their chunk): the chunk was downloaded whole. */
  deltaFallbacks: number;
}

const PARALLEL_DOWNLOADS = 4;

/**
 * Pre-fetches a master's chunks into the edge cache, so a deployment streams from the site
 * and not from the cloud. Only chunks the cache lacks are downloaded — a second version of a
 * master costs what changed — each verified before it is stored, through the edge's
 * `ArchiveFetches`: a chunk with a usable delta is rebuilt from it, and a chunk a deploy
 * running meanwhile is fetching, or has fetched, is not downloaded a second time. Resumable
 * by construction: every verified chunk is durable at once, so an interrupted sync simply
 * finds fewer chunks missing next time.
 */
export async function syncMaster(
  masterId: string,
  store: ChunkStore,
  controlPlane: ControlPlaneClient,
  fetches: ArchiveFetches = new ArchiveFetches(store, controlPlane),
): Promise<SyncReport> {
  const manifest = await controlPlane.masterManifest(masterId);
  const chunks = uniqueChunks(manifest);
  const missing: ChunkRef[] = [];
  for (const chunk of chunks) if (!(await store.adopt(chunk.h))) missing.push(chunk);
  // Deltas worth trying: every base is here (checked again when its turn comes).
  const viaDelta = new Set<string>();
  for (const ref of missing) if (ref.b && ref.d && (await fetches.allCached(ref.b))) viaDelta.add(ref.h);
  const bases = [...new Set(missing.filter((c) => viaDelta.has(c.h)).flatMap((c) => c.b!))];
  const releases = [store.pin(chunks.map((c) => c.h)), store.pin(bases)];
  const report: SyncReport = { masterId, chunks: chunks.length, alreadyCached: chunks.length - missing.length, downloaded: 0, downloadedBytes: 0, deltaChunks: 0, deltaBytes: 0, deltaFallbacks: 0 };
  try {
    const urls = await controlPlane.chunkDownloadUrls(missing.map((c) => c.h));
    const deltaUrls = viaDelta.size ? await controlPlane.deltaDownloadUrls([...viaDelta]) : new Map<string, string>();
    const decoded = new DecodedChunks(store);
    const queue = [...missing];
    let failure: unknown;
    const worker = async () => {
      // After a failure no new chunk is started, but downloads under way finish and are kept.
      for (let ref = queue.shift(); ref && failure === undefined; ref = queue.shift()) {
        try {
          const fetched = await fetches.fetch(ref, { chunk: urls.get(ref.h), delta: deltaUrls.get(ref.h) }, decoded);
          report.downloadedBytes += fetched.downloadedBytes;
          report.deltaBytes += fetched.deltaBytes;
          if (fetched.deltaFallback) report.deltaFallbacks++;
          if (fetched.via === 'delta') report.deltaChunks++;
          if (fetched.via === 'delta' || fetched.via === 'whole') report.downloaded++;
          else report.alreadyCached++; // a deploy fetched it meanwhile
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_DOWNLOADS, missing.length) }, worker));
    if (failure !== undefined) throw failure;
  } finally {
    for (const release of releases) release();
  }
  return report;
}

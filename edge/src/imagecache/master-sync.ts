import { uniqueChunks, type ChunkRef } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import { ChunkDecoder, ChunkEncoder } from './chunk-codec';
import { ChunkDeltaDecoder, DecodedChunks } from './chunk-delta';
import type { ChunkStore } from './chunk-store';

export interface SyncReport {
  masterId: string;
  chunks: number;
  alreadyCached: number;
  /** Chunks fetched: rebuilt from a delta (deltaChunks) or downloaded whole. */
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
 * master costs what changed — each verified before it is stored. A missing chunk the manifest
 * names a delta for (chunk-delta.ts), whose bases the cache holds, is rebuilt from the delta
 * instead: the delta is downloaded, decompressed against the bases, proven (length and
 * SHA-256, never trusted) and stored compressed like any chunk; when that fails for any
 * reason, the whole chunk is downloaded. Resumable by construction: every verified chunk is
 * durable at once, so an interrupted sync simply finds fewer chunks missing next time.
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
  // Deltas worth trying: every base is here (checked again when its turn comes).
  const viaDelta = new Set<string>();
  for (const ref of missing) if (ref.b && ref.d && (await allHeld(store, ref.b))) viaDelta.add(ref.h);
  const bases = [...new Set(missing.filter((c) => viaDelta.has(c.h)).flatMap((c) => c.b!))];
  const releases = [store.pin(chunks.map((c) => c.h)), store.pin(bases)];
  const report: SyncReport = { masterId, chunks: chunks.length, alreadyCached: chunks.length - missing.length, downloaded: missing.length, downloadedBytes: 0, deltaChunks: 0, deltaBytes: 0, deltaFallbacks: 0 };
  try {
    const urls = await controlPlane.chunkDownloadUrls(missing.map((c) => c.h));
    const deltaUrls = viaDelta.size ? await controlPlane.deltaDownloadUrls([...viaDelta]) : new Map<string, string>();
    const decoded = new DecodedChunks(store);
    const queue = [...missing];
    let failure: unknown;
    const worker = async () => {
      const decoder = new ChunkDecoder();
      const deltaDecoder = new ChunkDeltaDecoder();
      const encoder = new ChunkEncoder();
      // After a failure no new chunk is started, but downloads under way finish and are kept.
      for (let ref = queue.shift(); ref && failure === undefined; ref = queue.shift()) {
        try {
          if (viaDelta.has(ref.h)) {
            const rebuilt = await fromDelta(ref, deltaUrls.get(ref.h), decoded, deltaDecoder, fetchImpl, report);
            if (rebuilt) {
              await store.put(ref.h, encoder.encode(rebuilt).compressed);
              report.deltaChunks++;
              continue;
            }
            report.deltaFallbacks++;
          }
          const compressed = await download(ref, urls.get(ref.h), fetchImpl);
          report.downloadedBytes += compressed.length;
          decoder.decode(ref, compressed); // refuses a damaged or substituted chunk
          await store.put(ref.h, compressed);
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

async function allHeld(store: ChunkStore, hashes: readonly string[]): Promise<boolean> {
  for (const hash of hashes) if (!(await store.adopt(hash))) return false;
  return true;
}

/** The chunk rebuilt from its delta and proven, or undefined when that cannot be done (the caller downloads it whole). */
async function fromDelta(
  ref: ChunkRef,
  url: string | undefined,
  decoded: DecodedChunks,
  decoder: ChunkDeltaDecoder,
  fetchImpl: typeof fetch,
  report: SyncReport,
): Promise<Buffer | undefined> {
  try {
    const bases = await decoded.get(ref.b!);
    if (!bases || !url) return undefined;
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    const delta = Buffer.from(await response.arrayBuffer());
    report.downloadedBytes += delta.length;
    if (delta.length !== ref.d) return undefined;
    const data = decoder.decode(ref, delta, bases);
    report.deltaBytes += delta.length;
    return data;
  } catch {
    // A delta is only a shortcut: whatever went wrong, the whole chunk is still there.
    return undefined;
  }
}

async function download(ref: ChunkRef, url: string | undefined, fetchImpl: typeof fetch): Promise<Buffer> {
  if (!url) throw new Error(`no download URL for chunk ${ref.h}`);
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`chunk ${ref.h}: the archive answered ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length !== ref.c) throw new Error(`chunk ${ref.h}: ${body.length} bytes arrived, expected ${ref.c}`);
  return body;
}

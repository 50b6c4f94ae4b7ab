import { uniqueChunks, type Manifest } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import type { ChunkStore } from './chunk-store';

export interface UploadReport {
  backupImageId: string;
  uploadedChunks: number;
  uploadedBytes: number;
}

/** What a caller may watch of an upload (`marrow-edge import-master` shows it). */
export interface UploadProgress {
  /** The archive lacks these chunks, of this many compressed bytes in all: the upload begins. */
  onPlanned?(chunks: number, bytes: number): void;
  onChunkUploaded?(bytes: number): void;
  /** Every chunk is in the archive; the backup image is being registered. */
  onRegistering?(): void;
}

const PARALLEL_UPLOADS = 4;

/**
 * Sends a capture to the cloud: the chunks the tenant's archive lacks (the API says which,
 * with presigned URLs — the edge holds no AWS credentials), then the manifest, then asks the
 * API to complete the backup image, which it does only when every chunk is there.
 */
export async function uploadCapture(
  manifest: Manifest,
  machineId: string,
  description: string,
  store: ChunkStore,
  controlPlane: ControlPlaneClient,
  fetchImpl: typeof fetch = fetch,
  progress: UploadProgress = {},
): Promise<UploadReport> {
  const chunks = uniqueChunks(manifest);
  const release = store.pin(chunks.map((c) => c.h));
  let uploadedBytes = 0;
  try {
    const urls = await controlPlane.chunkUploadUrls(chunks.map((c) => c.h));
    const queue = [...urls];
    const sizes = new Map(chunks.map((c) => [c.h, c.c]));
    progress.onPlanned?.(urls.size, queue.reduce((sum, [hash]) => sum + (sizes.get(hash) ?? 0), 0));
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [hash, url] = next;
        const body = await store.get(hash);
        if (!body) throw new Error(`chunk ${hash} of this capture is no longer in the cache`);
        await put(url, body, fetchImpl);
        uploadedBytes += body.length;
        progress.onChunkUploaded?.(body.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, urls.size) }, worker));
    progress.onRegistering?.();
    const { backupImageId, manifestUploadUrl } = await controlPlane.beginBackup(machineId, description);
    await put(manifestUploadUrl, Buffer.from(JSON.stringify(manifest)), fetchImpl);
    await controlPlane.completeBackup(backupImageId);
    return { backupImageId, uploadedChunks: urls.size, uploadedBytes };
  } finally {
    release();
  }
}

async function put(url: string, body: Uint8Array, fetchImpl: typeof fetch): Promise<void> {
  const response = await fetchImpl(url, { method: 'PUT', body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`upload refused: the archive answered ${response.status}`);
}

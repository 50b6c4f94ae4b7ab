import { uniqueChunks, type Manifest } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import type { ChunkStore } from './chunk-store';

export interface UploadReport {
  backupImageId: string;
  uploadedChunks: number;
  uploadedBytes: number;
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
): Promise<UploadReport> {
  const chunks = uniqueChunks(manifest);
  const release = store.pin(chunks.map((c) => c.h));
  let uploadedBytes = 0;
  try {
    const urls = await controlPlane.chunkUploadUrls(chunks.map((c) => c.h));
    const queue = [...urls];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [hash, url] = next;
        const body = await store.get(hash);
        if (!body) throw new Error(`chunk ${hash} of this capture is no longer in the cache`);
        await put(url, body, fetchImpl);
        uploadedBytes += body.length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UPLOADS, urls.size) }, worker));
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

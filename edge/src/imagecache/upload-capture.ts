import { uniqueChunks, type ChunkRef, type Manifest } from '@marrow/shared';
import { ControlPlaneError, type ControlPlaneClient } from '../catalogue/control-plane-client';
import { ChunkDecoder } from './chunk-codec';
import { DecodedChunks, DELTA_WORTH_RATIO, planDeltaBases } from './chunk-delta';
import { ChunkDeltaThread } from './chunk-delta-thread';
import type { ChunkStore } from './chunk-store';

export interface UploadReport {
  backupImageId: string;
  uploadedChunks: number;
  uploadedBytes: number;
  /** The image this capture was registered as a new version of (the machine's latest ready backup image), if it had one. */
  parentBackupImageId?: string;
  /** Chunks of this capture that also have a delta against the parent (named in the manifest). */
  deltaChunks: number;
  /** Of those, the deltas the archive lacked and this upload sent, and their bytes. */
  uploadedDeltas: number;
  uploadedDeltaBytes: number;
  /** Deltas tried (chunks new since the parent whose bases the cache holds), and the time spent making them. */
  deltaCandidates: number;
  deltaSeconds: number;
}

/** What a caller may watch of an upload (`marrow-edge import-master` shows it). */
export interface UploadProgress {
  /** The archive lacks these chunks, of this many compressed bytes in all: the upload begins. */
  onPlanned?(chunks: number, bytes: number): void;
  onChunkUploaded?(bytes: number): void;
  /** Every chunk is in the archive; the backup image is being registered. */
  onRegistering?(): void;
}

export interface UploadOptions {
  /**
   * Register the capture as a new version of the machine's latest ready backup image and
   * upload deltas of its changed chunks against that image's (default true).
   */
  deltas?: boolean;
}

const PARALLEL_UPLOADS = 4;
/** After this many deltas tried, fewer than this share worth keeping means the parent is not an earlier version of this disk. */
const GIVE_UP_AFTER = 32;
const GIVE_UP_BELOW = 0.25;

/**
 * Sends a capture to the cloud: the chunks the tenant's archive lacks (the API says which,
 * with presigned URLs — the edge holds no AWS credentials), then the manifest, then asks the
 * API to complete the backup image, which it does only when every chunk is there.
 *
 * When the machine already has a ready backup image (its parent), each chunk of the capture
 * that the parent lacks is also compressed against the parent chunks it most likely replaces
 * (chunk-delta.ts), if the cache still holds them; a delta worth it goes to the archive too
 * and is named in the manifest, so a site holding the parent syncs the new version for little
 * more than what changed. Deltas are made here, beside the chunk uploads, not at ingest.
 */
export async function uploadCapture(
  manifest: Manifest,
  machineId: string,
  description: string,
  store: ChunkStore,
  controlPlane: ControlPlaneClient,
  fetchImpl: typeof fetch = fetch,
  progress: UploadProgress = {},
  options: UploadOptions = {},
): Promise<UploadReport> {
  const chunks = uniqueChunks(manifest);
  const releases = [store.pin(chunks.map((c) => c.h))];
  let uploadedBytes = 0;
  try {
    // A parent is an optimisation: without one (or without the route, on an older control plane) the capture uploads as before.
    const parent = options.deltas === false ? undefined : await controlPlane.latestBackup(machineId).catch(() => undefined);
    const urls = await controlPlane.chunkUploadUrls(chunks.map((c) => c.h));
    const sizes = new Map(chunks.map((c) => [c.h, c.c]));
    progress.onPlanned?.(urls.size, [...urls.keys()].reduce((sum, hash) => sum + (sizes.get(hash) ?? 0), 0));
    const deltas = parent ? new DeltaUpload(manifest, parent.manifest, store, controlPlane, fetchImpl) : undefined;
    if (deltas) releases.push(store.pin(deltas.baseHashes()));
    uploadedBytes += await sendChunks(urls, store, fetchImpl, progress, deltas);

    const registered: Manifest = parent
      ? {
          ...manifest,
          parent: { backupImageId: parent.backupImageId, manifestKey: parent.manifestKey },
          partitions: manifest.partitions.map((p) => ({ ...p, chunks: p.chunks.map((c) => deltas!.ref(c)) })),
        }
      : manifest;
    progress.onRegistering?.();
    const { backupImageId, manifestUploadUrl } = await controlPlane.beginBackup(machineId, description);
    await put(manifestUploadUrl, Buffer.from(JSON.stringify(registered)), fetchImpl);
    try {
      await controlPlane.completeBackup(backupImageId);
    } catch (error) {
      if (!(error instanceof ControlPlaneError && error.status === 409)) throw error;
      // The archive had a chunk when we asked and lacks it now (a storage collection took an
      // unused one meanwhile): send whatever it lacks at this moment, from the cache, once.
      uploadedBytes += await sendChunks(await controlPlane.chunkUploadUrls(chunks.map((c) => c.h)), store, fetchImpl, progress);
      await controlPlane.completeBackup(backupImageId);
    }
    return {
      backupImageId,
      uploadedChunks: urls.size,
      uploadedBytes,
      ...(parent ? { parentBackupImageId: parent.backupImageId } : {}),
      deltaChunks: deltas?.made.size ?? 0,
      uploadedDeltas: deltas?.uploaded ?? 0,
      uploadedDeltaBytes: deltas?.uploadedBytes ?? 0,
      deltaCandidates: deltas?.candidates ?? 0,
      deltaSeconds: deltas?.seconds ?? 0,
    };
  } finally {
    for (const release of releases) release();
  }
}

/** The deltas of one capture against its parent: planned, made one at a time, uploaded when the archive lacks them. */
class DeltaUpload {
  /** Chunk hash → its bases, for the chunks of the capture the parent lacks. */
  private readonly plan = new Map<string, string[]>();
  /** Chunk hash → the delta kept for it (bases and length). */
  readonly made = new Map<string, { b: string[]; d: number }>();
  candidates = 0;
  uploaded = 0;
  uploadedBytes = 0;
  seconds = 0;
  /** True once the chunk uploads beside it failed: no new delta is started. */
  private stopped: () => boolean = () => false;

  constructor(
    private readonly manifest: Manifest,
    parent: Manifest,
    private readonly store: ChunkStore,
    private readonly controlPlane: ControlPlaneClient,
    private readonly fetchImpl: typeof fetch,
  ) {
    for (const partition of manifest.partitions) {
      const before = parent.partitions.find((p) => p.number === partition.number);
      if (!before) continue;
      for (const [hash, bases] of planDeltaBases(partition.chunks, before.chunks)) if (!this.plan.has(hash)) this.plan.set(hash, bases);
    }
  }

  stopWhen(stopped: () => boolean): void {
    this.stopped = stopped;
  }

  baseHashes(): string[] {
    return [...new Set([...this.plan.values()].flat())];
  }

  /** A chunk ref of the capture, naming its delta when one was made. */
  ref(chunk: ChunkRef): ChunkRef {
    const delta = this.made.get(chunk.h);
    return delta ? { ...chunk, ...delta } : chunk;
  }

  /**
   * Makes the deltas, one at a time, and uploads those worth it. Never fails the capture (a
   * delta is only a shortcut for sites): a chunk whose delta cannot be made or sent has none.
   */
  async run(): Promise<void> {
    if (!this.plan.size) return;
    const refs = new Map(uniqueChunks(this.manifest).map((c) => [c.h, c]));
    let urls: Map<string, string>;
    try {
      urls = await this.controlPlane.deltaUploadUrls([...this.plan.keys()]);
    } catch {
      return;
    }
    const encoder = new ChunkDeltaThread();
    try {
      await this.makeDeltas(refs, urls, encoder);
    } finally {
      await encoder.close();
    }
  }

  private async makeDeltas(refs: Map<string, ChunkRef>, urls: Map<string, string>, encoder: ChunkDeltaThread): Promise<void> {
    const decoder = new ChunkDecoder();
    const bases = new DecodedChunks(this.store);
    for (const [hash, baseHashes] of this.plan) {
      if (this.stopped()) return;
      const ref = refs.get(hash)!;
      // Only bases the cache still holds: a site that synced the parent has them all.
      const held: string[] = [];
      let delta: Buffer;
      try {
        for (const base of baseHashes) if (await this.store.adopt(base)) held.push(base);
        const compressed = held.length ? await this.store.get(hash) : undefined;
        const baseData = compressed ? await bases.get(held) : undefined;
        if (!compressed || !baseData) continue;
        this.candidates++;
        const started = process.hrtime.bigint();
        delta = await encoder.encode(decoder.decode(ref, compressed), baseData);
        this.seconds += Number(process.hrtime.bigint() - started) / 1e9;
      } catch {
        continue;
      }
      if (delta.length > DELTA_WORTH_RATIO * ref.c) {
        // A parent of other content (a machine reinstalled since) gives no delta worth it: stop paying for them.
        if (this.candidates >= GIVE_UP_AFTER && this.made.size < this.candidates * GIVE_UP_BELOW) return;
        continue;
      }
      const url = urls.get(hash);
      if (url) {
        // Archived once per chunk and never replaced (an earlier attempt of this capture made the same one).
        try {
          await put(url, delta, this.fetchImpl);
        } catch {
          return; // the archive refused it or the link dropped: the chunk uploads will tell
        }
        this.uploaded++;
        this.uploadedBytes += delta.length;
      }
      this.made.set(hash, { b: held, d: delta.length });
    }
  }
}

/**
 * Uploads the chunks `urls` names (PARALLEL_UPLOADS at a time), beside the deltas when given;
 * the first failure stops new uploads and is thrown once those under way end. Resolves with
 * the chunk bytes sent.
 */
async function sendChunks(urls: Map<string, string>, store: ChunkStore, fetchImpl: typeof fetch, progress: UploadProgress, deltas?: DeltaUpload): Promise<number> {
  const queue = [...urls];
  let sent = 0;
  let failure: unknown;
  const worker = async () => {
    for (let next = queue.shift(); next && failure === undefined; next = queue.shift()) {
      const [hash, url] = next;
      const body = await store.get(hash);
      if (!body) throw new Error(`chunk ${hash} of this capture is no longer in the cache`);
      await put(url, body, fetchImpl);
      sent += body.length;
      progress.onChunkUploaded?.(body.length);
    }
  };
  const settle = (work: Promise<void>) => work.catch((error: unknown) => void (failure ??= error));
  deltas?.stopWhen(() => failure !== undefined);
  await Promise.all([...Array.from({ length: Math.min(PARALLEL_UPLOADS, urls.size) }, () => settle(worker())), ...(deltas ? [settle(deltas.run())] : [])]);
  if (failure !== undefined) throw failure;
  return sent;
}

async function put(url: string, body: Uint8Array, fetchImpl: typeof fetch): Promise<void> {
  const response = await fetchImpl(url, { method: 'PUT', body: body as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`upload refused: the archive answered ${response.status}`);
}

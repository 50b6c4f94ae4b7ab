import { MANIFEST_SCHEMA_VERSION, manifestSchema, uniqueChunks, type Manifest, type PartitionImage } from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import type { ChunkStore } from '../imagecache/chunk-store';
import { ingestStream, type IngestResult } from '../imagecache/ingest-stream';
import { uploadCapture } from '../imagecache/upload-capture';
import { ImportAbortedError, ImportError } from './import-error';
import type { ImportPlan } from './import-plan';
import { openStream } from './source-stream';

/**
 * An existing image becomes a master the way a capture does: each partition stream is cut into
 * content-defined chunks, hashed and compressed into the edge cache (ingest-stream), the chunks
 * the tenant's archive lacks go up through presigned URLs, the manifest is registered as a
 * backup image (upload-capture) and that backup image is promoted. Nothing is registered before
 * every chunk is in the archive, so an interrupted import leaves no half-visible image; the
 * chunks it stored are kept, so running it again re-reads but neither re-stores nor re-uploads them.
 */
export interface ImportProgress {
  /** read the images into the cache; check which chunks the archive lacks; upload them; register the master. */
  phase: 'read' | 'check' | 'upload' | 'register';
  /** The partition being read (phase "read"). */
  partition?: number;
  inputBytesDone: number;
  inputBytesTotal: number;
  uploadBytesDone: number;
  uploadBytesTotal: number;
}

export interface ImportMasterOptions {
  plan: ImportPlan;
  tenantId: string;
  /** The machine the backup image is registered to (the API requires one; the master belongs to its entity). */
  machineId: string;
  description: string;
  inDefaultStartupMenu: boolean;
  store: ChunkStore;
  controlPlane: ControlPlaneClient;
  fetchImpl?: typeof fetch;
  /** Aborts the import until registration begins; after that it runs to the end (a few quick calls). */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  masterId: string;
  masterLabel: string;
  backupImageId: string;
  partitions: Pick<PartitionImage, 'number' | 'filesystem' | 'tool' | 'streamBytes'>[];
  /** Bytes read from the input files (compressed ones as they are on disk). */
  inputBytes: number;
  /** Bytes of the partition streams (what a deploy restores). */
  streamBytes: number;
  uniqueChunks: number;
  /** Chunks this import added to the edge cache. */
  newChunks: number;
  /** Chunks (and their compressed bytes) the archive lacked and this import uploaded. */
  uploadedChunks: number;
  uploadedBytes: number;
  /** The backup image this import was registered as a new version of (the machine's latest ready one), if any. */
  parentBackupImageId?: string;
  /** Chunks that also got a delta against the parent (what a site holding the parent downloads instead), and the deltas' bytes uploaded. */
  deltaChunks: number;
  uploadedDeltaBytes: number;
  compressedSizeBytes: number;
  durationMs: number;
  /** Of which reading, chunking and storing the images. */
  readDurationMs: number;
}

export async function importMaster(options: ImportMasterOptions): Promise<ImportReport> {
  const { plan, store, signal } = options;
  const fetchImpl = options.fetchImpl ?? fetch;
  const started = Date.now();
  const progress: ImportProgress = { phase: 'read', inputBytesDone: 0, inputBytesTotal: plan.inputBytes, uploadBytesDone: 0, uploadBytesTotal: 0 };
  const emit = () => options.onProgress?.({ ...progress });
  const releases: (() => void)[] = [];
  const partitions: PartitionImage[] = [];
  let newChunks = 0;
  let registering = false;
  const aborted = () => signal?.aborted === true && !registering;

  try {
    for (const source of plan.partitions) {
      if (aborted()) throw new ImportAbortedError();
      progress.partition = source.number;
      emit();
      let result: IngestResult;
      try {
        const stream = openStream(source.input, {
          ...(signal ? { signal } : {}),
          onInputBytes: (bytes) => {
            progress.inputBytesDone += bytes;
            emit();
          },
        });
        result = await ingestStream(stream, store);
      } catch (error) {
        if (aborted()) throw new ImportAbortedError();
        throw new ImportError(`partition ${source.number} (${source.origin}): ${(error as Error).message}`);
      }
      // Kept from eviction until uploaded: the cache may not evict what the manifest names.
      releases.push(store.pin(result.chunks.map((c) => c.h)));
      checkStream(source.number, source.origin, result.streamBytes, source.input.range?.length, source.tool === 'dd' ? source.sizeBytes : undefined);
      newChunks += result.newChunks.length;
      partitions.push({
        number: source.number,
        startSector: source.startSector,
        sizeBytes: source.sizeBytes,
        filesystem: source.filesystem.slice(0, 32),
        tool: source.tool,
        usedBytes: source.usedBytes ?? result.streamBytes,
        streamBytes: result.streamBytes,
        streamSha256: result.streamSha256,
        chunks: result.chunks,
      });
    }
    delete progress.partition;
    const readDurationMs = Date.now() - started;

    // An imported master names no machine in its manifest (schema: "absent for an imported master").
    const manifest: Manifest = { schemaVersion: MANIFEST_SCHEMA_VERSION, tenantId: options.tenantId, createdAt: new Date().toISOString(), disk: plan.disk, partitions };
    const valid = manifestSchema.safeParse(manifest);
    if (!valid.success) throw new ImportError(`the image cannot be described as a Marrow manifest: ${valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (aborted()) throw new ImportAbortedError();

    progress.phase = 'check';
    emit();
    const guardedFetch: typeof fetch = (url, init) => {
      // Chunk uploads stop at an interrupt; the manifest upload of the registration does not.
      const stop = signal && !registering ? { signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal } : {};
      return fetchImpl(url, { ...init, ...stop });
    };
    let upload: Awaited<ReturnType<typeof uploadCapture>>;
    try {
      upload = await uploadCapture(manifest, options.machineId, options.description, store, options.controlPlane, guardedFetch, {
        onPlanned: (_chunks, bytes) => {
          progress.phase = 'upload';
          progress.uploadBytesTotal = bytes;
          emit();
        },
        onChunkUploaded: (bytes) => {
          progress.uploadBytesDone += bytes;
          emit();
        },
        onRegistering: () => {
          registering = true;
          progress.phase = 'register';
          emit();
        },
      });
    } catch (error) {
      if (aborted()) throw new ImportAbortedError();
      throw error;
    }
    const master = await options.controlPlane.promoteBackup(upload.backupImageId, {
      description: options.description,
      inDefaultStartupMenu: options.inDefaultStartupMenu,
    });
    return {
      masterId: master.id,
      masterLabel: master.label,
      backupImageId: upload.backupImageId,
      partitions: partitions.map(({ number, filesystem, tool, streamBytes }) => ({ number, filesystem, tool, streamBytes })),
      inputBytes: progress.inputBytesDone,
      streamBytes: partitions.reduce((sum, p) => sum + p.streamBytes, 0),
      uniqueChunks: uniqueChunks(manifest).length,
      newChunks,
      uploadedChunks: upload.uploadedChunks,
      uploadedBytes: upload.uploadedBytes,
      ...(upload.parentBackupImageId ? { parentBackupImageId: upload.parentBackupImageId } : {}),
      deltaChunks: upload.deltaChunks,
      uploadedDeltaBytes: upload.uploadedDeltaBytes,
      compressedSizeBytes: master.compressedSizeBytes,
      durationMs: Date.now() - started,
      readDurationMs,
    };
  } finally {
    for (const release of releases) release();
  }
}

/** A stream must be as long as the range it was read from, and a raw one must fit its partition. */
function checkStream(number: number, origin: string, streamBytes: number, rangeBytes: number | undefined, partitionBytes: number | undefined): void {
  if (rangeBytes !== undefined && streamBytes !== rangeBytes) {
    throw new ImportError(`partition ${number} (${origin}): the image ended after ${streamBytes} of ${rangeBytes} bytes; did it change while importing?`);
  }
  if (streamBytes === 0) throw new ImportError(`partition ${number} (${origin}): the stream is empty`);
  if (partitionBytes !== undefined && streamBytes > partitionBytes) {
    throw new ImportError(`partition ${number} (${origin}): ${streamBytes} bytes, more than the partition holds (${partitionBytes} bytes)`);
  }
}

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { MarrowError, ValidationError } from '../../errors/marrow-error';
import type { ArchivedObject, ObjectArchive } from '../../ports/object-archive';
import { awsErrorName, awsHttpStatus, translateTransientError } from '../aws-errors';
import { listPrefix, objectKey, tenantPrefix } from './archive-keys';
import { putStreamOfUnknownLength } from './multipart-put';

/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH = 1000;

/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3ObjectArchiveOptions {
  client: S3Client;
  bucket: string;
}

/**
 * The masters bucket through tenant prefixes. Every method builds its keys with
 * archive-keys.ts, which refuses anything that could leave `tenants/{tenantId}/`.
 */
export class S3ObjectArchive implements ObjectArchive {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(options: S3ObjectArchiveOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  async put(
    tenantId: string,
    key: string,
    body: Uint8Array | string | Readable,
    options: { contentType?: string; contentLength?: number } = {},
  ): Promise<void> {
    const Key = objectKey(tenantId, key);
    if (typeof body !== 'string' && !(body instanceof Uint8Array) && options.contentLength === undefined) {
      await this.send('PutObject', () =>
        putStreamOfUnknownLength(this.client, { bucket: this.bucket, key: Key, ...contentTypeOf(options) }, body),
      );
      return;
    }
    await this.send('PutObject', () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: body,
          ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
          ...(options.contentLength === undefined ? {} : { ContentLength: options.contentLength }),
        }),
      ),
    );
  }

  async get(tenantId: string, key: string): Promise<Uint8Array | undefined> {
    const Key = objectKey(tenantId, key);
    return this.readObject('GetObject', () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key })));
  }

  async getRange(tenantId: string, key: string, start: number, endInclusive: number): Promise<Uint8Array | undefined> {
    const Key = objectKey(tenantId, key);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0 || endInclusive < start) {
      throw new ValidationError('a byte range needs 0 <= start <= endInclusive');
    }
    try {
      const bytes = await this.readObject('GetObject', () =>
        this.client.send(
          // Always explicit: emulators answer suffix ranges ("bytes=-5") wrongly.
          new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${start}-${endInclusive}` }),
        ),
      );
      // s3rver reads "bytes=0-0" as the whole object (it treats end 0 as "no end"); never
      // hand back more than was asked for. A no-op against S3.
      const wanted = endInclusive - start + 1;
      return bytes !== undefined && bytes.byteLength > wanted ? bytes.subarray(0, wanted) : bytes;
    } catch (error) {
      if (awsErrorName(error) === 'InvalidRange' || awsHttpStatus(error) === 416) {
        throw new ValidationError(`byte range ${start}-${endInclusive} starts beyond the object's end`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async head(tenantId: string, key: string): Promise<ArchivedObject | undefined> {
    const Key = objectKey(tenantId, key);
    try {
      const { ContentLength } = await this.send('HeadObject', () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key })),
      );
      return { key, sizeBytes: ContentLength ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(tenantId: string, prefix: string): AsyncIterable<ArchivedObject> {
    const base = tenantPrefix(tenantId);
    const Prefix = listPrefix(tenantId, prefix);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.send('ListObjectsV2', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix,
            ...(ContinuationToken === undefined ? {} : { ContinuationToken }),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        // S3 only returns keys under Prefix; the check keeps a faulty backend from leaking others.
        if (object.Key === undefined || !object.Key.startsWith(Prefix)) continue;
        yield { key: object.Key.slice(base.length), sizeBytes: object.Size ?? 0, ...(object.LastModified ? { lastModified: object.LastModified } : {}) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async delete(tenantId: string, keys: readonly string[]): Promise<void> {
    // Check every key before deleting any, so a bad key cannot leave a half-done batch.
    const fullKeys = [...new Set(keys)].map((key) => objectKey(tenantId, key));
    for (let offset = 0; offset < fullKeys.length; offset += DELETE_BATCH) {
      const batch = fullKeys.slice(offset, offset + DELETE_BATCH);
      const { Errors } = await this.send('DeleteObjects', () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      if (Errors !== undefined && Errors.length > 0) {
        // DeleteObjects answers 200 with per-key errors; they must not pass silently.
        throw new MarrowError(`could not delete ${Errors.length} object(s)`, {
          details: Errors.map((e) => ({ key: e.Key?.slice(tenantPrefix(tenantId).length), code: e.Code })),
        });
      }
    }
  }

  async presignGet(tenantId: string, key: string, expiresInSeconds: number): Promise<string> {
    const Key = objectKey(tenantId, key);
    checkExpiry(expiresInSeconds);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key }), {
      expiresIn: expiresInSeconds,
    });
  }

  async presignPut(tenantId: string, key: string, expiresInSeconds: number): Promise<string> {
    const Key = objectKey(tenantId, key);
    checkExpiry(expiresInSeconds);
    return getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key }), {
      expiresIn: expiresInSeconds,
    });
  }

  /** GetObject, whole or ranged: the body as bytes, or undefined when there is no such object. */
  private async readObject(
    operation: string,
    call: () => Promise<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>,
  ): Promise<Uint8Array | undefined> {
    try {
      return await this.send(operation, async () => {
        const { Body } = await call();
        // Reading the body inside send(): a connection dropped mid-body is just as transient.
        return Body === undefined ? new Uint8Array(0) : await Body.transformToByteArray();
      });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** Runs one SDK call, turning throttling, 5xx and network failures into StorageUnavailableError. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateTransientError(error, `S3 ${operation}`);
    }
  }
}

/**
 * GetObject says NoSuchKey; HeadObject has no body, so the SDK names its 404 NotFound.
 * Not "any 404": NoSuchBucket is a misconfiguration and must not read as "no object".
 */
function isMissing(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'NoSuchKey' || name === 'NotFound';
}

function contentTypeOf(options: { contentType?: string }): { contentType?: string } {
  return options.contentType === undefined ? {} : { contentType: options.contentType };
}

function checkExpiry(seconds: number): void {
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
    throw new ValidationError(`presigned URLs live 1 to ${MAX_PRESIGN_SECONDS} seconds`);
  }
}

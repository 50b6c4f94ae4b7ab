import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/** S3's minimum part size is 5 MiB (except the last); 8 MiB keeps memory bounded and parts few. */
export const PART_SIZE = 8 * 1024 * 1024;

/**
 * Uploads a stream of unknown length. S3 refuses a PutObject without Content-Length, so
 * we buffer one part at a time: a stream that ends within the first part becomes one
 * PutObject, a longer one a multipart upload (aborted on failure so no parts linger).
 * Memory use is one part, whatever the object size.
 */
export async function putStreamOfUnknownLength(
  client: S3Client,
  target: { bucket: string; key: string; contentType?: string },
  body: Readable,
): Promise<void> {
  const parts = readParts(body)[Symbol.asyncIterator]();
  const first = await parts.next();
  const firstPart = first.done ? new Uint8Array(0) : first.value;
  const second = first.done ? first : await parts.next();
  if (second.done) {
    await client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Body: firstPart,
        ContentLength: firstPart.byteLength,
        ...(target.contentType === undefined ? {} : { ContentType: target.contentType }),
      }),
    );
    return;
  }

  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: target.bucket,
      Key: target.key,
      ...(target.contentType === undefined ? {} : { ContentType: target.contentType }),
    }),
  );
  if (UploadId === undefined) throw new Error('S3 returned no upload id');
  try {
    const completed: CompletedPart[] = [];
    const upload = async (part: Uint8Array) => {
      const PartNumber = completed.length + 1;
      const { ETag } = await client.send(
        new UploadPartCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId,
          PartNumber,
          Body: part,
          ContentLength: part.byteLength,
        }),
      );
      completed.push({ PartNumber, ETag });
    };
    await upload(firstPart);
    await upload(second.value);
    for (let next = await parts.next(); !next.done; next = await parts.next()) await upload(next.value);
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId,
        MultipartUpload: { Parts: completed },
      }),
    );
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId }))
      .catch(() => undefined); // the upload's own error is the one worth reporting
    throw error;
  }
}

/** Re-chunks a byte stream into PART_SIZE pieces (the last one shorter). */
async function* readParts(body: Readable): AsyncGenerator<Uint8Array> {
  let buffered: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    let data = toBuffer(chunk);
    while (size + data.byteLength >= PART_SIZE) {
      const take = PART_SIZE - size;
      buffered.push(data.subarray(0, take));
      yield Buffer.concat(buffered, PART_SIZE);
      data = data.subarray(take);
      buffered = [];
      size = 0;
    }
    if (data.byteLength > 0) {
      buffered.push(data);
      size += data.byteLength;
    }
  }
  if (size > 0) yield Buffer.concat(buffered, size);
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('object streams must yield bytes or strings');
}

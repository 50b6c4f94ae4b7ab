import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { awsErrorName, awsHttpStatus } from '../aws-errors';

export interface S3ClientOptions {
  /** Set only for an emulator (s3rver); the cloud uses the regional endpoint. */
  endpoint?: string;
  region: string;
}

/**
 * One S3 client for cloud and emulator alike. Checksums only WHEN_REQUIRED: with the SDK's
 * default (CRC32 on every streamed upload, aws-chunked encoding) s3rver silently stores
 * corrupted objects, and presigned URLs would carry checksum parameters plain clients
 * cannot satisfy. A custom endpoint means an emulator: path-style addressing (no bucket
 * subdomains on 127.0.0.1) and dummy credentials, so real ones are never used locally.
 * The dummy key is s3rver's: it ignores SigV4 signatures but answers 403
 * InvalidAccessKeyId to any access key id other than its built-in "S3RVER".
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    region: options.region,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.endpoint === undefined
      ? {}
      : {
          endpoint: options.endpoint,
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }),
  });
}

/** Creates the bucket unless it exists; safe on every start. Local host and tests only (CDK owns the cloud's). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if (awsErrorName(error) !== 'NotFound' && awsHttpStatus(error) !== 404) throw error;
  }
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    // A concurrent starter created it first.
    const name = awsErrorName(error);
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
}

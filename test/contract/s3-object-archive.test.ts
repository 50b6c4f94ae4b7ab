import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, ensureBucket } from '../../lambdas/src/adapters/s3/clients';
import { S3ObjectArchive } from '../../lambdas/src/adapters/s3/s3-object-archive';
import { startS3rver } from '../../lambdas/src/local/embedded/s3rver';
import { describeObjectArchiveContract } from './object-archive.contract';

const BUCKET = 'marrow-masters-test';

// Needs NODE_OPTIONS=--openssl-legacy-provider (npm test sets it): s3rver's list paging uses DES.
describeObjectArchiveContract('S3 (s3rver, temp directory)', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'marrow-s3rver-'));
  const s3rver = await startS3rver({ directory, port: 0 });
  const client = createS3Client({ endpoint: s3rver.endpoint, region: 'eu-west-1' });
  try {
    await ensureBucket(client, BUCKET);
    await ensureBucket(client, BUCKET); // idempotent
  } catch (error) {
    // No teardown reaches a failed setup: clean up here.
    client.destroy();
    await s3rver.close();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    archive: new S3ObjectArchive({ client, bucket: BUCKET }),
    teardown: async () => {
      client.destroy();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

import S3rver from 's3rver';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { formatHost } from './endpoint';

export interface S3rverOptions {
  /** Where objects live on disk; they outlive the process. */
  directory: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Buckets to create before the server accepts requests (ensureBucket through the SDK also works). */
  buckets?: readonly string[];
}

export interface RunningS3rver {
  endpoint: string;
  port: number;
  /** Stops the server; the directory keeps the objects for the next start. */
  close(): Promise<void>;
}

/**
 * S3 emulated in-process (s3rver). Clients must be built with createS3Client (checksums
 * WHEN_REQUIRED and path style, or streamed uploads are corrupted), and the process must
 * run with NODE_OPTIONS=--openssl-legacy-provider: s3rver encrypts ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider (without it,
 * every page after the first answers 500).
 */
export async function startS3rver(options: S3rverOptions): Promise<RunningS3rver> {
  const host = options.host ?? '127.0.0.1';
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    directory: options.directory,
    address: host,
    port: options.port ?? 0,
    silent: true,
    // Never wipe the directory on close: the local host keeps its masters across restarts.
    resetOnClose: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const pending = server.close();
      // SDK clients keep sockets alive; without this, close() would wait for them to time out.
      (server as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
      await pending;
    })();
    return closing;
  };

  return { endpoint: `http://${formatHost(host)}:${port}`, port, close };
}

import { createReadStream } from 'node:fs';
import { Readable, Transform, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import type { Compression } from './source-formats';

/** Where one partition stream comes from: a byte range of a file, or whole files one after the other (split images). */
export interface StreamInput {
  files: readonly string[];
  /** Byte range of a single file (a partition inside a raw disk image). */
  range?: { start: number; length: number };
  compression: Compression;
}

export interface StreamOptions {
  /** Called with the count of bytes just read from the files (before decompression). */
  onInputBytes?: (bytes: number) => void;
  signal?: AbortSignal;
}

const READ_SIZE = 4 << 20;

/** zstd frames written with --long=31 need a window this large; the default refuses them. */
const ZSTD_WINDOW_LOG_MAX = 31;

async function* readFiles(input: StreamInput, options: StreamOptions): AsyncGenerator<Buffer> {
  for (const file of input.files) {
    const stream = createReadStream(file, {
      highWaterMark: READ_SIZE,
      ...(input.range ? { start: input.range.start, end: input.range.start + input.range.length - 1 } : {}),
    });
    try {
      for await (const data of stream as AsyncIterable<Buffer>) {
        options.signal?.throwIfAborted();
        options.onInputBytes?.(data.length);
        yield data;
      }
    } finally {
      stream.destroy();
    }
  }
}

function decompressor(compression: Exclude<Compression, 'none'>): Transform {
  if (compression === 'gzip') return createGunzip({ chunkSize: 1 << 20 });
  const zstd = new DecompressStream({ windowLogMax: ZSTD_WINDOW_LOG_MAX });
  return zstd;
}

/** The bytes of a partition stream, decompressed, as they are read. */
export function openStream(input: StreamInput, options: StreamOptions = {}): AsyncIterable<Uint8Array> {
  const raw = readFiles(input, options);
  if (input.compression === 'none') return raw;
  // pipeline() destroys every stage on an error, so the consumer's loop sees the first one.
  return pipeline(Readable.from(raw, { objectMode: false }), decompressor(input.compression), () => undefined);
}

/** Up to `length` bytes from the start of a stream (decompressed), for recognising what it holds. */
export async function peekStream(input: StreamInput, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  const stream = openStream(input);
  for await (const data of stream) {
    parts.push(Buffer.from(data));
    have += data.length;
    if (have >= length) break;
  }
  return Buffer.concat(parts).subarray(0, length);
}

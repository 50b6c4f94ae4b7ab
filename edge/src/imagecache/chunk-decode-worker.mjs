// A thread of ChunkDecodePool (chunk-decode-pool.ts): reads a cached chunk file (or takes the
// compressed bytes of a downloaded one), decompresses it into the memory the pool lent it,
// and proves it is the chunk asked for, as ChunkDecoder.decode (chunk-codec.ts) does: its
// length, then its SHA-256. Plain JavaScript on purpose: threads do not inherit tsx's loader.
//
// In:  { id, h, n, out: ArrayBuffer (at least n + 1 bytes), path } or { …, compressed: Uint8Array }
// Out: { id, out }                      (out's first n bytes are the chunk, proven)
//   or { id, out, missing: true }       (no such file)
//   or { id, out, error, verification } (verification: the chunk is not the one asked for)
// `out` always goes back (transferred, never copied), so the pool can lend it again.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import binding from 'zstd-napi/binding.js';

const dctx = new binding.DCtx();
/** Cached chunk files are read into this, grown as needed and kept. */
let fileBuffer = new Uint8Array(1 << 20);

/** The file's bytes; a string when the file is too big to be any compression of n bytes (not read). */
function readChunkFile(path, h, n) {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > binding.compressBound(n)) return `chunk ${h} is ${size} bytes compressed, more than any compression of ${n} bytes`;
    if (fileBuffer.length < size) fileBuffer = new Uint8Array(Math.max(size, fileBuffer.length * 2));
    let read = 0;
    while (read < size) {
      const got = readSync(fd, fileBuffer, read, size - read, read);
      if (got === 0) break;
      read += got;
    }
    return fileBuffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Undefined when the chunk is proven (its bytes in out), else why not. */
function verify(h, n, compressed, out) {
  let size;
  try {
    const declared = binding.getFrameContentSize(compressed);
    if (declared !== null && declared !== n && binding.findFrameCompressedSize(compressed) === compressed.length) {
      return `chunk ${h} has ${declared} bytes, expected ${n}`;
    }
    size = dctx.decompress(new Uint8Array(out), compressed);
  } catch (error) {
    if (/too small/i.test(error.message)) return `chunk ${h} has more than ${n} bytes, expected ${n}`;
    return `chunk ${h} does not decompress: ${error.message}`;
  }
  if (size !== n) return `chunk ${h} has ${size} bytes, expected ${n}`;
  const actual = createHash('sha256').update(new Uint8Array(out, 0, n)).digest('hex');
  if (actual !== h) return `chunk ${h} does not match its hash (got ${actual})`;
  return undefined;
}

parentPort.on('message', ({ id, h, n, out, path, compressed }) => {
  let reply;
  try {
    let input = compressed;
    if (path !== undefined) {
      try {
        input = readChunkFile(path, h, n);
      } catch (error) {
        if (error.code !== 'ENOENT') throw error;
        reply = { id, out, missing: true };
      }
    }
    if (typeof input === 'string') reply = { id, out, error: input, verification: true };
    if (!reply) {
      const problem = verify(h, n, input, out);
      reply = problem ? { id, out, error: problem, verification: true } : { id, out };
    }
  } catch (error) {
    reply = { id, out, error: `chunk ${h}: ${error?.message ?? error}`, verification: false };
  }
  parentPort.postMessage(reply, [out]);
});

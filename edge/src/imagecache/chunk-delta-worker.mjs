// The thread of ChunkDeltaThread (chunk-delta-thread.ts): compresses one chunk against its
// dictionary with the parameters ChunkDeltaEncoder chose (chunk-delta.ts: deltaJob), the same
// steps as its compressDelta, so a delta made here is byte for byte the one made in-thread.
// Plain JavaScript on purpose: threads do not inherit tsx's loader.
//
// In:  { id, chunk: Uint8Array, dictionary: Uint8Array, parameters }   (buffers transferred)
// Out: { id, delta: Uint8Array } (transferred) or { id, error }
import { parentPort } from 'node:worker_threads';
import { Compressor } from 'zstd-napi';

const compressor = new Compressor();
const empty = new Uint8Array(0);

parentPort.on('message', ({ id, chunk, dictionary, parameters }) => {
  try {
    // setParameters drops the previous dictionary; parameters must be set before loading one.
    compressor.setParameters(parameters);
    compressor.loadDictionary(dictionary);
    let delta;
    try {
      delta = compressor.compress(chunk);
    } finally {
      // Let the dictionary (and zstd's tables for it) go now, not when the next delta is made.
      compressor.loadDictionary(empty);
    }
    const out = new Uint8Array(delta.buffer, delta.byteOffset, delta.byteLength);
    parentPort.postMessage({ id, delta: out }, out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? [out.buffer] : []);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

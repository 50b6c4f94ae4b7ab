import { open } from 'node:fs/promises';

export interface BlockDelta {
  blockSize: number;
  /** Blocks whose bytes differ between the two images (changed in place or newly used). */
  changedBlocks: number;
  /** Those blocks of the second image, one after another. */
  changed: Buffer;
}

/**
 * The blocks of `after` that differ from `before` (two images of the same size), compared
 * block by block: what a transfer at filesystem-block granularity would have to move, with
 * nothing else. The floor under any chunking of the same change.
 */
export async function blockDelta(before: string, after: string, blockSize = 4096): Promise<BlockDelta> {
  const [a, b] = [await open(before, 'r'), await open(after, 'r')];
  try {
    const window = 1024 * blockSize;
    const [x, y] = [Buffer.alloc(window), Buffer.alloc(window)];
    const parts: Buffer[] = [];
    let changedBlocks = 0;
    for (let at = 0; ; at += window) {
      const [{ bytesRead: n }, { bytesRead: m }] = [await a.read(x, 0, window, at), await b.read(y, 0, window, at)];
      if (n !== m) throw new Error(`${before} and ${after} differ in size`);
      if (n === 0) break;
      for (let i = 0; i < n; i += blockSize) {
        const end = Math.min(i + blockSize, n);
        if (x.compare(y, i, end, i, end) !== 0) {
          parts.push(Buffer.from(y.subarray(i, end)));
          changedBlocks++;
        }
      }
    }
    return { blockSize, changedBlocks, changed: Buffer.concat(parts) };
  } finally {
    await a.close();
    await b.close();
  }
}

import { GEAR } from './gear-table';

/**
 * Content-defined chunking, FastCDC-style (Xia et al., USENIX ATC '16): a gear rolling hash
 * over the bytes, a cut where the hash's masked bits are zero, and "normalised chunking" — a
 * harder mask before the average size and an easier one after it — so chunk sizes gather
 * around the average. Inserting or changing bytes moves only the cuts near the change, so two
 * versions of a disk share most chunks.
 *
 * Sizes: minimum 512 KiB (no cut is searched before it), average ~2 MiB, maximum 8 MiB.
 */
export interface ChunkerLimits {
  minSize: number;
  averageSize: number;
  maxSize: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkerLimits = { minSize: 512 * 1024, averageSize: 2 * 1024 * 1024, maxSize: 8 * 1024 * 1024 };

/** Masks with log2(average) ± 2 bits set (FastCDC's normalisation level 2), spread over the high bits. */
function masks(averageSize: number): { hard: number; easy: number } {
  const bits = Math.round(Math.log2(averageSize));
  const spread = (count: number) => {
    // Use the high bits: with a left-shifting gear hash they depend on the most recent 32 bytes.
    let mask = 0;
    for (let i = 0; i < count; i++) mask |= 1 << (31 - i);
    return mask | 0;
  };
  return { hard: spread(bits + 2), easy: spread(bits - 2) };
}

/** Scans at most this many bytes per call: Node 20's JIT optimises a small hot function far better than one long loop (stack notes). */
const BLOCK = 64 * 1024;

/**
 * Finds a cut in `data[start, end)` given the running hash; returns the cut offset (exclusive)
 * or -1, and leaves the hash in `state[0]`. Kept tiny and monomorphic on purpose.
 */
function scan(data: Uint8Array, start: number, end: number, mask: number, state: Int32Array): number {
  let hash = state[0]!;
  for (let i = start; i < end; i++) {
    hash = ((hash << 1) + GEAR[data[i]!]!) | 0;
    if ((hash & mask) === 0) {
      state[0] = hash;
      return i + 1;
    }
  }
  state[0] = hash;
  return -1;
}

/**
 * A streaming chunker: feed it buffers in order, it calls `onChunk` with each chunk's bytes
 * (a view or a copy it owns) as soon as its end is known; `finish` flushes the last one.
 */
export class ContentDefinedChunker {
  private readonly hard: number;
  private readonly easy: number;
  private readonly state = new Int32Array(1);
  /** Bytes of the chunk in progress, not yet emitted. */
  private pending: Uint8Array[] = [];
  private pendingLength = 0;

  constructor(
    private readonly onChunk: (chunk: Uint8Array) => void,
    private readonly limits: ChunkerLimits = DEFAULT_CHUNK_LIMITS,
  ) {
    ({ hard: this.hard, easy: this.easy } = masks(limits.averageSize));
  }

  push(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      const cut = this.findCut(data, offset);
      if (cut < 0) {
        this.pending.push(offset === 0 ? data : data.subarray(offset));
        this.pendingLength += data.length - offset;
        return;
      }
      this.pending.push(data.subarray(offset, cut));
      this.pendingLength += cut - offset;
      this.emit();
      offset = cut;
    }
  }

  finish(): void {
    if (this.pendingLength > 0) this.emit();
  }

  /** The cut in `data` at or after `offset` ending the current chunk, or -1 if it continues past `data`. */
  private findCut(data: Uint8Array, offset: number): number {
    const { minSize, averageSize, maxSize } = this.limits;
    const inChunk = this.pendingLength;
    // Positions are measured within the current chunk: chunk position p ↔ data index offset + (p - inChunk).
    const toData = (p: number) => offset + (p - inChunk);
    let position = Math.max(inChunk, minSize);
    if (position === minSize && inChunk < minSize) this.state[0] = 0;
    const dataEnd = offset + (data.length - offset);
    while (toData(position) < dataEnd) {
      const limit = position < averageSize ? averageSize : maxSize;
      const mask = position < averageSize ? this.hard : this.easy;
      const from = toData(position);
      const to = Math.min(dataEnd, toData(limit), from + BLOCK);
      const cut = scan(data, from, to, mask, this.state);
      if (cut >= 0) return cut;
      position += to - from;
      if (position >= maxSize) return toData(maxSize);
    }
    return -1;
  }

  private emit(): void {
    const chunk = this.pending.length === 1 ? this.pending[0]! : concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    this.state[0] = 0;
    this.onChunk(chunk);
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { chunkPath } from '@marrow/shared';
import { writeFileAtomic } from '../catalogue/atomic-file';

interface Entry {
  size: number;
  lastUsed: number;
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * The edge's chunk cache: compressed chunks on disk under `chunks/{h[0:2]}/{h}`, written so
 * that a crash never leaves a half-visible chunk (temporary file, fsync, rename, fsync of the
 * directory), within a disk quota. When over quota, the least recently used chunks go first,
 * but never a chunk pinned by a running deploy or capture.
 */
export class ChunkStore {
  private readonly entries = new Map<string, Entry>();
  private readonly pins = new Map<string, number>();
  private used = 0;
  private clock = 0;

  private constructor(
    readonly root: string,
    readonly quotaBytes: number,
  ) {}

  /**
   * Opens (or creates) a cache: indexes what is there and removes leftovers of interrupted
   * writes. A second process sharing the directory with a running edge (`marrow-edge
   * import-master`) passes `removeLeftovers: false`: the edge's temporary files may be writes
   * in progress.
   */
  static async open(root: string, quotaBytes: number, options: { removeLeftovers?: boolean } = {}): Promise<ChunkStore> {
    const removeLeftovers = options.removeLeftovers ?? true;
    const store = new ChunkStore(root, quotaBytes);
    await mkdir(join(root, 'chunks'), { recursive: true });
    const found: { hash: string; size: number; mtime: number }[] = [];
    for (const prefix of await readdir(join(root, 'chunks'))) {
      const dir = join(root, 'chunks', prefix);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const path = join(dir, name);
        if (!HASH.test(name) || !name.startsWith(prefix)) {
          if (removeLeftovers) await rm(path, { force: true }); // a temporary file of an interrupted write
          continue;
        }
        const info = await stat(path);
        found.push({ hash: name, size: info.size, mtime: info.mtimeMs });
      }
    }
    // Oldest first, so the in-memory recency order starts from what the disk remembers.
    for (const { hash, size } of found.sort((a, b) => a.mtime - b.mtime)) store.index(hash, size);
    return store;
  }

  get usedBytes(): number {
    return this.used;
  }

  has(hash: string): boolean {
    return this.entries.has(hash);
  }

  /** Stores a compressed chunk; false when it was there already. */
  async put(hash: string, compressed: Uint8Array): Promise<boolean> {
    if (!HASH.test(hash)) throw new Error(`not a chunk hash: ${hash}`);
    if (this.entries.has(hash)) {
      this.touch(hash);
      return false;
    }
    const path = join(this.root, chunkPath(hash));
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, compressed);
    this.index(hash, compressed.length);
    await this.evict();
    return true;
  }

  /**
   * Whether the cache holds a chunk, looking on disk for one this process has not indexed: a
   * chunk another process (`marrow-edge import-master`) wrote into the same directory is
   * adopted rather than downloaded again.
   */
  async adopt(hash: string): Promise<boolean> {
    if (this.entries.has(hash)) return true;
    if (!HASH.test(hash)) return false;
    try {
      const info = await stat(join(this.root, chunkPath(hash)));
      if (!info.isFile() || info.size === 0) return false;
      if (!this.entries.has(hash)) this.index(hash, info.size);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** The compressed bytes of a chunk, or undefined when the cache does not hold it. */
  async get(hash: string): Promise<Buffer | undefined> {
    if (!(await this.adopt(hash))) return undefined;
    try {
      const data = await readFile(join(this.root, chunkPath(hash)));
      this.touch(hash);
      return data;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.forget(hash);
      return undefined;
    }
  }

  /**
   * Where a chunk's file is, for reading it elsewhere (a decode thread), counted as a use like
   * `get`; undefined when the cache does not hold it. A reader that finds no file there
   * calls `remove`.
   */
  async locate(hash: string): Promise<string | undefined> {
    if (!(await this.adopt(hash))) return undefined;
    this.touch(hash);
    return join(this.root, chunkPath(hash));
  }

  /** Drops a chunk (e.g. one that failed verification). */
  async remove(hash: string): Promise<void> {
    await rm(join(this.root, chunkPath(hash)), { force: true });
    this.forget(hash);
  }

  /** Keeps these chunks from eviction until the returned function is called. */
  pin(hashes: Iterable<string>): () => void {
    const pinned = [...hashes];
    for (const hash of pinned) this.pins.set(hash, (this.pins.get(hash) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const hash of pinned) {
        const count = (this.pins.get(hash) ?? 1) - 1;
        if (count <= 0) this.pins.delete(hash);
        else this.pins.set(hash, count);
      }
      void this.evict();
    };
  }

  private index(hash: string, size: number): void {
    this.entries.set(hash, { size, lastUsed: ++this.clock });
    this.used += size;
  }

  private forget(hash: string): void {
    const entry = this.entries.get(hash);
    if (!entry) return;
    this.entries.delete(hash);
    this.used -= entry.size;
  }

  private touch(hash: string): void {
    const entry = this.entries.get(hash)!;
    // Map order is insertion order: re-inserting makes it the most recently used.
    this.entries.delete(hash);
    entry.lastUsed = ++this.clock;
    this.entries.set(hash, entry);
  }

  /** Least recently used first (Map iteration order), skipping pinned chunks. */
  private async evict(): Promise<void> {
    if (this.used <= this.quotaBytes) return;
    for (const hash of [...this.entries.keys()]) {
      if (this.used <= this.quotaBytes) break;
      if (this.pins.has(hash)) continue;
      await this.remove(hash);
    }
  }
}

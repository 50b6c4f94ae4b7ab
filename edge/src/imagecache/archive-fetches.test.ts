import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChunkRef } from '@marrow/shared';
import { ArchiveFetches } from './archive-fetches';
import { ChunkEncoder } from './chunk-codec';
import { ChunkDeltaEncoder } from './chunk-delta';
import { ChunkStore } from './chunk-store';

/**
 * The edge's archive fetches against an archive in memory: presigned URLs are keys of a map,
 * the control plane hands them out, and every download is counted.
 */
class FakeArchive {
  readonly objects = new Map<string, Buffer>();
  readonly downloads: string[] = [];
  readonly urlRequests: { kind: 'chunk' | 'delta'; hashes: readonly string[] }[] = [];
  /** Downloads wait for this before answering (a slow branch link). */
  gate: Promise<void> = Promise.resolve();

  readonly controlPlane = {
    chunkDownloadUrls: async (hashes: readonly string[]) => this.urls('chunk', hashes),
    deltaDownloadUrls: async (hashes: readonly string[]) => this.urls('delta', hashes),
  };

  readonly fetch: typeof fetch = async (input) => {
    const url = String(input);
    this.downloads.push(url);
    await this.gate;
    const body = this.objects.get(url);
    return body ? new Response(new Uint8Array(body)) : new Response('no such key', { status: 404 });
  };

  private urls(kind: 'chunk' | 'delta', hashes: readonly string[]): Map<string, string> {
    this.urlRequests.push({ kind, hashes });
    return new Map(hashes.filter((h) => this.objects.has(`${kind}:${h}`)).map((h) => [h, `${kind}:${h}`]));
  }
}

let dir: string;
let store: ChunkStore;
let archive: FakeArchive;
let fetches: ArchiveFetches;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-fetches-'));
  store = await ChunkStore.open(dir, 1e9);
  archive = new FakeArchive();
  fetches = new ArchiveFetches(store, archive.controlPlane, archive.fetch);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A chunk of `data`, archived whole. */
function archived(data: Buffer = randomBytes(64 * 1024)): { ref: ChunkRef; data: Buffer; compressed: Buffer } {
  const { ref, compressed } = new ChunkEncoder().encode(data);
  archive.objects.set(`chunk:${ref.h}`, compressed);
  return { ref, data, compressed };
}

/** A new version of `base`'s data, archived whole and as a delta against it. */
function archivedWithDelta(base: Buffer): { ref: ChunkRef; delta: Buffer } {
  const changed = Buffer.from(base);
  randomBytes(512).copy(changed, 1000);
  const { ref } = archived(changed);
  const { h } = new ChunkEncoder().encode(base).ref;
  const delta = new ChunkDeltaEncoder().encode(changed, [base]);
  archive.objects.set(`delta:${ref.h}`, delta);
  return { ref: { ...ref, b: [h], d: delta.length }, delta };
}

describe('ArchiveFetches', () => {
  it('downloads a chunk once when a sync and a deploy need it at the same time', async () => {
    const { ref, compressed } = archived();
    let open!: () => void;
    archive.gate = new Promise((resolve) => (open = resolve));
    const bySync = fetches.fetch(ref, { chunk: `chunk:${ref.h}` });
    const byDeploy = fetches.fetch(ref); // asks no URL: it joins the download under way
    open();
    const [sync, deploy] = await Promise.all([bySync, byDeploy]);
    expect(archive.downloads).toEqual([`chunk:${ref.h}`]);
    expect(archive.urlRequests).toEqual([]);
    expect(sync).toMatchObject({ via: 'whole', downloadedBytes: compressed.length });
    expect(deploy).toMatchObject({ via: 'joined', downloadedBytes: 0 });
    expect(deploy.compressed.equals(compressed)).toBe(true);
    expect(store.has(ref.h)).toBe(true);
  });

  it('does not download again a chunk the cache got meanwhile', async () => {
    const { ref, compressed } = archived();
    await store.put(ref.h, compressed);
    expect(await fetches.fetch(ref, { chunk: `chunk:${ref.h}` })).toMatchObject({ via: 'cached', downloadedBytes: 0 });
    expect(archive.downloads).toEqual([]);
  });

  it('on demand, asks the control plane for the chunk, and for its delta only when the bases are cached', async () => {
    const base = archived();
    const { ref, delta } = archivedWithDelta(base.data);

    // Its base is not cached: the whole chunk, no delta URL asked for.
    const whole = await fetches.fetch(ref);
    expect(whole).toMatchObject({ via: 'whole', deltaFallback: false });
    expect(archive.urlRequests).toEqual([{ kind: 'chunk', hashes: [ref.h] }]);
    await store.remove(ref.h);

    // Its base is cached: rebuilt from the delta, stored compressed, proven.
    await store.put(base.ref.h, base.compressed);
    archive.downloads.length = 0;
    const rebuilt = await fetches.fetch(ref);
    expect(rebuilt).toMatchObject({ via: 'delta', downloadedBytes: delta.length, deltaBytes: delta.length });
    expect(archive.downloads).toEqual([`delta:${ref.h}`]);
    expect(delta.length).toBeLessThan(ref.c / 4);
    expect(store.has(ref.h)).toBe(true);
    expect(archive.urlRequests.at(-1)).toEqual({ kind: 'delta', hashes: [ref.h] });
  });

  it('downloads the whole chunk when its delta is damaged, and refuses a substituted chunk', async () => {
    const base = archived();
    await store.put(base.ref.h, base.compressed);
    const { ref, delta } = archivedWithDelta(base.data);
    const damaged = Buffer.from(delta);
    damaged[damaged.length - 5]! ^= 0xff;
    archive.objects.set(`delta:${ref.h}`, damaged);
    const fetched = await fetches.fetch(ref);
    expect(fetched).toMatchObject({ via: 'whole', deltaFallback: true, downloadedBytes: damaged.length + ref.c });

    // The archive answers other bytes of the right length for a chunk: refused, nothing stored.
    const other = archived();
    const forged = archived(randomBytes(other.data.length));
    archive.objects.set(`chunk:${other.ref.h}`, forged.compressed);
    const ref2 = { ...other.ref, c: forged.compressed.length };
    await expect(fetches.fetch(ref2)).rejects.toThrow(/does not match its hash/);
    expect(store.has(other.ref.h)).toBe(false);
    // The failed fetch is over: the next one downloads afresh.
    archive.objects.set(`chunk:${other.ref.h}`, other.compressed);
    expect(await fetches.fetch(other.ref)).toMatchObject({ via: 'whole' });
  });
});

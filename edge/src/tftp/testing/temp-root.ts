import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Deterministic bytes (not all zero, not repeating per block) so a misplaced block shows. */
export function patternBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A temporary directory that is the TFTP root, plus a sibling outside it. */
export interface TempRoot {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  write(name: string, content: Buffer | string): Promise<string>;
  link(name: string, target: string): Promise<void>;
  remove(): Promise<void>;
}

export async function makeTempRoot(): Promise<TempRoot> {
  const base = await mkdtemp(join(tmpdir(), 'marrow-tftp-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'not for TFTP clients\n');
  return {
    base,
    root,
    outside,
    async write(name, content) {
      const path = join(root, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      return path;
    },
    async link(name, target) {
      const path = join(root, name);
      await mkdir(dirname(path), { recursive: true });
      await symlink(target, path);
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

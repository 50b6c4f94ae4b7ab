import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/**
 * Disk images for the imaging e2e test, built on the host with Debian's own tools: a
 * partition table written by sfdisk, an NTFS partition made by mkntfs and filled through
 * ntfs-3g (laid out like a Windows system drive), an ext4 partition made by mkfs.ext4 -d.
 *
 * The host kernel reads no partition tables (no loopNpM nodes), so partitions are reached
 * through loop devices at an offset (`losetup -o START --sizelimit SIZE`).
 */
const exec = promisify(execFile);
const run = (command: string, args: string[], timeout = 120_000) => exec(command, args, { timeout, maxBuffer: 64 * 1024 * 1024 });

export type TableLabel = 'gpt' | 'dos';

export interface PartitionLayout {
  number: number;
  start: number; // sectors
  size: number; // sectors
  type: string;
}

const SECTOR = 512;
const MiB = 1024 * 1024;

/** Types as sfdisk names them: Microsoft basic data / Linux filesystem (GPT), 07 / 83 (MBR). */
const TYPES: Record<TableLabel, { ntfs: string; linux: string }> = {
  gpt: { ntfs: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', linux: '0FC63DAF-8483-4772-8E3C-3D69F7D8E47D' },
  dos: { ntfs: '7', linux: '83' },
};

/** A small deterministic PRNG (xorshift32), so a tree is the same on every run. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const WORDS = 'system driver kernel registry update service policy network display audio storage security windows component manifest'.split(' ');

/** Content that compresses like real files do: text (kind 0), random — already compressed (1), sparse (2). */
export function fileContent(next: () => number, size: number, kind: number): Buffer {
  const out = Buffer.alloc(size);
  if (kind === 0) {
    let at = 0;
    while (at < size) at += out.write(`${WORDS[next() % WORDS.length]}=${next() % 100000};\r\n`, at);
  } else if (kind === 1) {
    for (let i = 0; i < size; i += 4) out.writeUInt32LE(next(), Math.min(i, size - 4));
  } else {
    for (let i = 0; i + 4 <= size; i += 4096) out.writeUInt32LE(next(), i);
  }
  return out;
}

/** The directories writeWindowsTree fills by default. */
export const WINDOWS_TREE_DIRS: readonly string[] = ['Windows/System32/drivers/etc', 'Windows/System32/config', 'Windows/Panther', 'Windows/INF', 'Windows/Temp', 'Program Files/Contoso App', 'Users/Public/Documents', 'Users/Default/AppData/Local'];

/**
 * Writes a Windows-like system tree: Windows/System32 with a few hundred files of mixed
 * content, Windows/Panther, Windows/Setup/Scripts missing (post-imaging creates it),
 * Program Files, Users. About `megabytes` of data in all, spread round-robin over `dirs`
 * (file N is `fileNNNN.ext` in dirs[N % dirs.length], its content of kind N % 3).
 */
export async function writeWindowsTree(root: string, seed: number, megabytes: number, dirs: readonly string[] = WINDOWS_TREE_DIRS): Promise<void> {
  const next = prng(seed);
  for (const dir of dirs) await mkdir(join(root, dir), { recursive: true });
  await mkdir(join(root, 'Windows/System32/drivers/etc'), { recursive: true });
  await writeFile(join(root, 'Windows/System32/drivers/etc/hosts'), '127.0.0.1 localhost\r\n');
  let budget = megabytes * MiB;
  let n = 0;
  while (budget > 0) {
    const dir = dirs[n % dirs.length]!;
    const size = Math.min(budget, 1024 + (next() % (n % 17 === 0 ? 2 * MiB : 160 * 1024)));
    const ext = ['dll', 'sys', 'inf', 'log', 'dat', 'exe'][n % 6]!;
    await writeFile(join(root, dir, `file${String(n).padStart(4, '0')}.${ext}`), fileContent(next, size, n % 3));
    budget -= size;
    n++;
  }
}

/** Writes a small Linux-like tree for the ext4 partition. */
export async function writeLinuxTree(root: string, seed: number, megabytes: number): Promise<void> {
  const next = prng(seed);
  for (const dir of ['etc', 'var/lib/data', 'home/user']) await mkdir(join(root, dir), { recursive: true });
  await writeFile(join(root, 'etc/hostname'), 'reference\n');
  let budget = megabytes * MiB;
  for (let n = 0; budget > 0; n++) {
    const size = Math.min(budget, 4096 + (next() % (512 * 1024)));
    await writeFile(join(root, n % 2 ? 'var/lib/data' : 'home/user', `blob${n}.bin`), fileContent(next, size, n % 3));
    budget -= size;
  }
}

/** A loop device over one partition of a disk image file. */
export async function attachPartition(disk: string, part: PartitionLayout, readOnly = false): Promise<{ device: string; detach(): Promise<void> }> {
  const args = ['-f', '--show', ...(readOnly ? ['-r'] : []), '-o', String(part.start * SECTOR), '--sizelimit', String(part.size * SECTOR), disk];
  const device = (await run('losetup', args)).stdout.trim();
  return { device, detach: async () => void (await run('losetup', ['-d', device]).catch(() => undefined)) };
}

/** Mounts a partition of a disk image (ntfs-3g for NTFS, the kernel for ext4); returns the mount point. */
export async function mountPartition(disk: string, part: PartitionLayout, fs: 'ntfs' | 'ext4', readOnly: boolean): Promise<{ dir: string; unmount(): Promise<void> }> {
  const loop = await attachPartition(disk, part, readOnly);
  const dir = await mkdtemp(join(tmpdir(), 'marrow-mnt-'));
  try {
    if (fs === 'ntfs') await run('ntfs-3g', ['-o', readOnly ? 'ro' : 'rw', loop.device, dir]);
    else await run('mount', ['-t', 'ext4', ...(readOnly ? ['-o', 'ro,noload'] : []), loop.device, dir]);
  } catch (error) {
    await loop.detach();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    unmount: async () => {
      await run('sync', []);
      await run('umount', [dir]).catch(async () => void (await run('umount', ['-l', dir]).catch(() => undefined)));
      await loop.detach();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SourceDisk {
  path: string;
  label: TableLabel;
  sizeBytes: number;
  ntfs: PartitionLayout;
  ext4: PartitionLayout;
}

/**
 * The reference machine's disk: [label] table, partition 1 NTFS (Windows-like tree),
 * partition 2 ext4. `ntfsMiB` of partition, `dataMiB` of files in it.
 */
export async function buildSourceDisk(path: string, options: { label: TableLabel; sizeMiB: number; ntfsMiB: number; dataMiB: number; seed: number }): Promise<SourceDisk> {
  const { label, sizeMiB, ntfsMiB } = options;
  await writeFile(path, '');
  await truncate(path, sizeMiB * MiB);
  const types = TYPES[label];
  const ntfsStart = 2048;
  const ntfsSize = (ntfsMiB * MiB) / SECTOR;
  const ext4Start = ntfsStart + ntfsSize;
  // GPT keeps 33 sectors at the end for its backup header; stay 1 MiB clear of the end either way.
  const ext4Size = (sizeMiB * MiB) / SECTOR - ext4Start - 2048;
  const script = [`label: ${label}`, 'unit: sectors', `start=${ntfsStart}, size=${ntfsSize}, type=${types.ntfs}`, `start=${ext4Start}, size=${ext4Size}, type=${types.linux}`, ''].join('\n');
  await execWithInput('sfdisk', ['--no-reread', '--no-tell-kernel', path], script);
  const ntfs = { number: 1, start: ntfsStart, size: ntfsSize, type: types.ntfs };
  const ext4 = { number: 2, start: ext4Start, size: ext4Size, type: types.linux };

  const loop = await attachPartition(path, ntfs);
  try {
    await run('mkntfs', ['-Q', '-F', '-L', 'Windows', '-p', String(ntfsStart), '-H', '255', '-S', '63', loop.device]);
  } finally {
    await loop.detach();
  }
  const windows = await mountPartition(path, ntfs, 'ntfs', false);
  try {
    await writeWindowsTree(windows.dir, options.seed, options.dataMiB);
  } finally {
    await windows.unmount();
  }

  const staging = await mkdtemp(join(tmpdir(), 'marrow-ext4-'));
  const image = `${staging}.img`;
  try {
    await writeLinuxTree(staging, options.seed + 1, Math.max(1, Math.floor(options.dataMiB / 4)));
    await run('mkfs.ext4', ['-q', '-F', '-L', 'data', '-d', staging, image, `${(ext4Size * SECTOR) / 1024}k`]);
    await run('dd', [`if=${image}`, `of=${path}`, 'bs=1M', `seek=${ext4Start * SECTOR}`, 'oflag=seek_bytes', 'conv=notrunc,fsync', 'status=none']);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(image, { force: true });
  }
  return { path, label, sizeBytes: sizeMiB * MiB, ntfs, ext4 };
}

function execWithInput(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${command} failed: ${stderr || error.message}`)) : resolve(stdout)));
    child.stdin!.end(input);
  });
}

/** `sfdisk --dump` of an image file, without the lines that name the file itself. */
export async function partitionTable(disk: string): Promise<string> {
  const dump = (await run('sfdisk', ['--dump', disk])).stdout;
  return dump
    .split('\n')
    .filter((line) => !line.startsWith('device:'))
    .map((line) => line.replace(/^\S+ : /, 'partition : '))
    .join('\n');
}

/** sha256 of every file under root, by relative path (directories as "dir"). */
export async function treeDigest(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(root, path);
      if (rel === 'lost+found' || rel.startsWith('System Volume Information') || rel.startsWith('$')) continue;
      if (entry.isDirectory()) {
        out.set(rel, 'dir');
        await walk(path);
      } else if (entry.isFile()) {
        out.set(rel, createHash('sha256').update(await readFile(path)).digest('hex'));
      }
    }
  };
  await walk(root);
  return out;
}

/** What differs between two tree digests: missing, extra and changed paths. */
export function treeDifferences(expected: Map<string, string>, actual: Map<string, string>, ignore: (path: string) => boolean = () => false): string[] {
  const diffs: string[] = [];
  for (const [path, digest] of expected) {
    if (ignore(path)) continue;
    if (!actual.has(path)) diffs.push(`missing ${path}`);
    else if (actual.get(path) !== digest) diffs.push(`changed ${path}`);
  }
  for (const path of actual.keys()) if (!ignore(path) && !expected.has(path)) diffs.push(`extra ${path}`);
  return diffs;
}

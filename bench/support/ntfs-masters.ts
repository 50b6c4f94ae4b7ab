import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { attachPartition, fileContent, mountPartition, prng, writeWindowsTree, type PartitionLayout } from '../../test/e2e/support/test-disks';

/**
 * Two versions of a Windows-like NTFS master for `npm run bench -- master-sync`, built on the
 * host with mkntfs and ntfs-3g (root, loop devices and FUSE): v1 is a 1 GiB NTFS filesystem
 * filled through ntfs-3g with a few thousand files of mixed compressibility; v2 is a copy of
 * v1 in which some existing files are rewritten in place (same clusters) and new files are
 * added. Both are single-partition images (the filesystem itself, no partition table): what
 * partclone reads from a partition device.
 *
 * Built once per generator input and kept under `.cache/bench/master-sync/KEY/`; the key
 * hashes the inputs and the source of this file and of test-disks.ts, so editing either
 * rebuilds.
 */
const exec = promisify(execFile);
const MiB = 1024 * 1024;
const SECTOR = 512;

export interface MasterInputs {
  /** Size of the NTFS filesystem. */
  sizeMiB: number;
  /** Data written into v1 (writeWindowsTree's budget). */
  dataMiB: number;
  seed: number;
  /** v2: how many existing files are rewritten, and their bytes in all. */
  modifiedFiles: number;
  modifiedMiB: number;
  /** v2: bytes of new files. */
  addedMiB: number;
}

export const DEFAULT_MASTER_INPUTS: MasterInputs = { sizeMiB: 1024, dataMiB: 704, seed: 20261126, modifiedFiles: 100, modifiedMiB: 32, addedMiB: 32 };

/** A changed byte range of a file in v2 (relative to the filesystem root). */
export interface ChangedRange {
  path: string;
  offset: number;
  length: number;
}

export interface MasterChanges {
  /** Existing files rewritten in place (the last one possibly only in part, so the total is exact). */
  modified: ChangedRange[];
  /** New files (whole). */
  added: ChangedRange[];
  /** Files in v1's tree (for the report). */
  filesInV1: number;
  bytesInV1: number;
}

export interface NtfsMasters {
  key: string;
  dir: string;
  v1: string;
  v2: string;
  /** The partition layout of each image (the whole file). */
  layout: PartitionLayout;
  changes: MasterChanges;
  cached: boolean;
}

/** Directories of a Windows system drive the tree is spread over (round robin). */
const WINDOWS_DIRS = [
  'Windows/System32',
  'Windows/System32/drivers',
  'Windows/System32/DriverStore/FileRepository/netrtwlane.inf_amd64_1f2e',
  'Windows/System32/DriverStore/FileRepository/iastorac.inf_amd64_9c0d',
  'Windows/System32/config',
  'Windows/System32/wbem',
  'Windows/System32/WindowsPowerShell/v1.0/Modules',
  'Windows/System32/en-US',
  'Windows/SysWOW64',
  'Windows/SysWOW64/en-US',
  'Windows/WinSxS/amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3930',
  'Windows/WinSxS/amd64_microsoft-windows-kernel32_31bf3856ad364e35_10.0.19041.4170',
  'Windows/WinSxS/wow64_microsoft-windows-gdi32_31bf3856ad364e35_10.0.19041.3636',
  'Windows/WinSxS/Manifests',
  'Windows/assembly/NativeImages_v4.0.30319_64/System',
  'Windows/Microsoft.NET/Framework64/v4.0.30319',
  'Windows/Fonts',
  'Windows/INF',
  'Windows/Logs/CBS',
  'Windows/Panther',
  'Windows/servicing/Packages',
  'Windows/SoftwareDistribution/Download',
  'Windows/Temp',
  'Program Files/Common Files/microsoft shared/ClickToRun',
  'Program Files/Contoso App',
  'Program Files/Contoso App/plugins',
  'Program Files/Windows Defender',
  'Program Files (x86)/Microsoft/Edge/Application',
  'Program Files (x86)/Contoso Legacy',
  'ProgramData/Microsoft/Windows Defender/Definition Updates',
  'ProgramData/Package Cache',
  'Users/Default/AppData/Local/Microsoft/Windows',
  'Users/Public/Documents',
  'Users/admin/AppData/Local/Temp',
  'Users/admin/Documents',
  'Users/admin/Downloads',
];

/** What the imaging client needs on the host; the reasons the bench cannot run, if any. */
export function missingImagingTools(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (loop devices and FUSE mounts)');
  for (const tool of ['mkntfs', 'ntfs-3g', 'partclone.ntfs', 'losetup', 'umount']) {
    if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool} || test -x /sbin/${tool}`]).status !== 0) missing.push(tool);
  }
  if (!existsSync('/dev/fuse')) missing.push('/dev/fuse');
  if (!existsSync('/dev/loop-control')) missing.push('/dev/loop-control');
  return missing;
}

/** The key of a build: its inputs and the code that turns them into images. */
async function buildKey(inputs: MasterInputs): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify({ inputs, dirs: WINDOWS_DIRS }));
  for (const file of [import.meta.filename, join(import.meta.dirname, '../../test/e2e/support/test-disks.ts')]) hash.update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/** v1 and v2 images, from the cache or built now (a few minutes). */
export async function ntfsMasters(cacheRoot: string, inputs: MasterInputs = DEFAULT_MASTER_INPUTS, log: (line: string) => void = console.log): Promise<NtfsMasters> {
  const key = await buildKey(inputs);
  const dir = join(cacheRoot, key);
  const layout: PartitionLayout = { number: 1, start: 0, size: (inputs.sizeMiB * MiB) / SECTOR, type: '7' };
  const result = (changes: MasterChanges, cached: boolean): NtfsMasters => ({ key, dir, v1: join(dir, 'v1.img'), v2: join(dir, 'v2.img'), layout, changes, cached });
  const done = join(dir, 'changes.json');
  if (existsSync(done)) return result(JSON.parse(await readFile(done, 'utf8')) as MasterChanges, true);

  // Older builds are of another generator: drop them (each is ~1.5 GB on disk).
  await mkdir(cacheRoot, { recursive: true });
  for (const old of await readdir(cacheRoot)) if (old !== key) await rm(join(cacheRoot, old), { recursive: true, force: true });
  const work = `${dir}.partial`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const v1 = join(work, 'v1.img');
  const v2 = join(work, 'v2.img');

  log(`building the v1 master (${inputs.sizeMiB} MiB NTFS, ${inputs.dataMiB} MiB of files) in ${work}`);
  await writeFile(v1, '');
  await truncate(v1, inputs.sizeMiB * MiB);
  const loop = await attachPartition(v1, layout);
  try {
    // As if at sector 2048 of a disk, like a Windows system partition.
    await exec('mkntfs', ['-Q', '-F', '-L', 'Windows', '-p', '2048', '-H', '255', '-S', '63', loop.device], { timeout: 120_000 });
  } finally {
    await loop.detach();
  }
  let mounted = await mountPartition(v1, layout, 'ntfs', false);
  let filesInV1: { path: string; size: number }[];
  try {
    await writeWindowsTree(mounted.dir, inputs.seed, inputs.dataMiB, WINDOWS_DIRS);
    filesInV1 = await listFiles(mounted.dir);
  } finally {
    await mounted.unmount();
  }

  log(`building v2: ${inputs.modifiedFiles} files (${inputs.modifiedMiB} MiB) rewritten in place, ${inputs.addedMiB} MiB of new files`);
  await exec('cp', ['--sparse=always', v1, v2]);
  mounted = await mountPartition(v2, layout, 'ntfs', false);
  let changes: MasterChanges;
  try {
    changes = await changeTree(mounted.dir, filesInV1, inputs);
  } finally {
    await mounted.unmount();
  }
  await writeFile(join(work, 'changes.json'), JSON.stringify(changes));
  await rename(work, dir);
  return result(changes, false);
}

async function listFiles(root: string): Promise<{ path: string; size: number }[]> {
  const files: { path: string; size: number }[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push({ path: relative(root, path), size: (await stat(path)).size });
    }
  };
  await walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The content kind writeWindowsTree gave file N (`fileNNNN.ext`): N % 3. */
function kindOf(path: string): number {
  const n = /file(\d+)\.\w+$/.exec(path);
  return n ? Number(n[1]) % 3 : 0;
}

/**
 * Rewrites `modifiedFiles` existing files in place (opened r+, same length, new content of the
 * same kind) for `modifiedMiB` in all, then writes `addedMiB` of new files. Deterministic.
 */
async function changeTree(root: string, files: { path: string; size: number }[], inputs: MasterInputs): Promise<MasterChanges> {
  const next = prng(inputs.seed ^ 0x5eed2);
  // Pick files at random, each near the size still needed per remaining pick (within 4x
  // either way), so the picks mix small and large files and sum to the budget; the last pick
  // is rewritten only in part to make the total exact.
  const candidates = files.filter((f) => f.size >= 4096 && !f.path.endsWith('/hosts'));
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  const budget = inputs.modifiedMiB * MiB;
  const modified: ChangedRange[] = [];
  let sum = 0;
  for (const file of candidates) {
    const slots = inputs.modifiedFiles - modified.length;
    const remaining = budget - sum;
    if (slots === 0) break;
    if (slots === 1) {
      if (file.size >= remaining) {
        modified.push({ path: file.path, offset: 0, length: remaining });
        sum += remaining;
      }
      continue;
    }
    const desired = remaining / slots;
    if (file.size >= desired / 4 && file.size <= desired * 4 && file.size <= remaining - (slots - 1) * 4096) {
      modified.push({ path: file.path, offset: 0, length: file.size });
      sum += file.size;
    }
  }
  if (modified.length !== inputs.modifiedFiles || sum !== budget) throw new Error(`could not pick ${inputs.modifiedFiles} files of ${inputs.modifiedMiB} MiB in all (got ${modified.length}, ${sum} bytes)`);
  for (const change of modified) {
    const handle = await open(join(root, change.path), 'r+');
    try {
      await handle.write(fileContent(next, change.length, kindOf(change.path)), 0, change.length, change.offset);
    } finally {
      await handle.close();
    }
  }

  // New files, sized like the tree's (mostly up to 160 KiB, one in 17 up to 2 MiB): a
  // cumulative update in SoftwareDistribution, a new program, new drivers.
  const targets = ['Windows/SoftwareDistribution/Download/7c1f0e2d', 'Program Files/Contoso App/2.0', 'Windows/System32/DriverStore/FileRepository/contoso.inf_amd64_2b7a', 'Windows/WinSxS/amd64_contoso-update_31bf3856ad364e35_10.0.19041.5000'];
  for (const target of targets) await mkdir(join(root, target), { recursive: true });
  const added: ChangedRange[] = [];
  let left = inputs.addedMiB * MiB;
  for (let n = 0; left > 0; n++) {
    const size = Math.min(left, 1024 + (next() % (n % 17 === 0 ? 2 * MiB : 160 * 1024)));
    const path = join(targets[n % targets.length]!, `new${String(n).padStart(4, '0')}.${['cab', 'dll', 'cat', 'mum', 'sys', 'exe'][n % 6]}`);
    await writeFile(join(root, path), fileContent(next, size, n % 3));
    added.push({ path, offset: 0, length: size });
    left -= size;
  }
  return { modified, added, filesInV1: files.length, bytesInV1: files.reduce((a, f) => a + f.size, 0) };
}

/** The changed bytes of v2 (modified ranges, then new files), read back from the image. */
export async function changedContent(masters: NtfsMasters): Promise<Buffer> {
  const mounted = await mountPartition(masters.v2, masters.layout, 'ntfs', true);
  try {
    const parts: Buffer[] = [];
    for (const range of [...masters.changes.modified, ...masters.changes.added]) {
      const handle = await open(join(mounted.dir, range.path), 'r');
      try {
        const part = Buffer.alloc(range.length);
        await handle.read(part, 0, range.length, range.offset);
        parts.push(part);
      } finally {
        await handle.close();
      }
    }
    return Buffer.concat(parts);
  } finally {
    await mounted.unmount();
  }
}

/**
 * The partition stream the imaging client sends for an NTFS partition:
 * `partclone.ntfs -c -s DEVICE -o -` over a read-only loop device of the image.
 */
export async function* partcloneStream(image: string, layout: PartitionLayout, logFile: string, extraArgs: readonly string[] = []): AsyncGenerator<Buffer> {
  const loop = await attachPartition(image, layout, true);
  try {
    const child = spawn('partclone.ntfs', ['-c', ...extraArgs, '-s', loop.device, '-o', '-', '-L', logFile], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TERM: 'dumb' } });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    let complete = false;
    try {
      for await (const piece of child.stdout) yield piece as Buffer;
      complete = true;
    } finally {
      // The consumer stopped early (or failed): partclone must not outlive the loop device.
      if (!complete && child.exitCode === null) child.kill();
    }
    const code = await exited;
    if (code !== 0) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
      throw new Error(`partclone.ntfs exited with ${code}:\n${tail}`);
    }
  } finally {
    await loop.detach();
  }
}

/** `Space in use` as partclone reported it in its log, in bytes. */
export async function partcloneUsedBytes(logFile: string): Promise<number | undefined> {
  const log = await readFile(logFile, 'utf8').catch(() => '');
  const blocks = /Space in use:.*?=\s*(\d+) Blocks/.exec(log);
  const blockSize = /Block size:\s*(\d+)/.exec(log);
  return blocks && blockSize ? Number(blocks[1]) * Number(blockSize[1]) : undefined;
}

export interface PartcloneHeader {
  imageVersion: string;
  blockSize: number;
  usedBlocks: number;
  /** 0: none, 0x20: CRC32. */
  checksumMode: number;
  checksumSize: number;
  blocksPerChecksum: number;
  reseedChecksum: boolean;
}

/**
 * The image header of a partclone stream (format 0002, partclone ≥ 0.3): 36 bytes of magic
 * and versions, the filesystem's description, then the image options that say how often a
 * checksum is interleaved with the blocks. Undefined for anything else.
 */
export function partcloneHeader(start: Uint8Array): PartcloneHeader | undefined {
  const data = Buffer.from(start.buffer, start.byteOffset, start.byteLength);
  if (data.length < 110 || data.subarray(0, 15).toString('latin1') !== 'partclone-image') return undefined;
  const imageVersion = data.subarray(30, 34).toString('latin1');
  if (imageVersion !== '0002') return { imageVersion, blockSize: 0, usedBlocks: 0, checksumMode: 0, checksumSize: 0, blocksPerChecksum: 0, reseedChecksum: false };
  // image_head (36) | file_system_info: fs[16], device_size, totalblock, usedblocks, used_bitmap (u64 each), block_size u32 | image_options
  return {
    imageVersion,
    usedBlocks: Number(data.readBigUInt64LE(36 + 16 + 16)),
    blockSize: data.readUInt32LE(36 + 16 + 32),
    checksumMode: data.readUInt16LE(88 + 8),
    checksumSize: data.readUInt16LE(88 + 10),
    blocksPerChecksum: data.readUInt32LE(88 + 12),
    reseedChecksum: data[88 + 16] === 1,
  };
}

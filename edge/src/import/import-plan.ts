import { existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import type { Manifest, PartitionImage } from '@marrow/shared';
import { ImportError } from './import-error';
import { diskBytes, parseSfdiskDump, readImagePartitionTable, type PartitionTable, type TablePartition } from './partition-table';
import {
  detectCompression,
  detectFilesystem,
  detectVirtualDisk,
  FILESYSTEM_PROBE_BYTES,
  partcloneFilesystem,
  partcloneProbeBytes,
  readPartcloneHeader,
  UnsupportedPartcloneError,
  type PartcloneHeader,
} from './source-formats';
import { peekStream, type StreamInput } from './source-stream';

/**
 * What an import will do, worked out before a byte is chunked: the disk (label, partition
 * table) and, per partition, where its stream comes from and how the imaging environment
 * restores it. Every problem a person can fix is found here and said in one line.
 */
export interface PartitionSource {
  number: number;
  startSector: number;
  sizeBytes: number;
  filesystem: string;
  tool: PartitionImage['tool'];
  /** Bytes in use in the filesystem, when the source says (a partclone header); else the stream's length. */
  usedBytes?: number;
  input: StreamInput;
  /** Bytes read from the files for this partition (the progress total). */
  inputBytes: number;
  /** For messages: "disk.img bytes 1048576-17825791" or the image file's name. */
  origin: string;
}

export interface ImportPlan {
  disk: Manifest['disk'];
  partitions: PartitionSource[];
  /** Partitions of the table that carry no stream (MBR extended containers: sfdisk recreates them). */
  skipped: { number: number; reason: string }[];
  inputBytes: number;
}

export const TOOL_NAMES: Record<string, PartitionImage['tool']> = {
  dd: 'dd',
  raw: 'dd',
  ntfs: 'partclone.ntfs',
  extfs: 'partclone.extfs',
  ext2: 'partclone.extfs',
  ext3: 'partclone.extfs',
  ext4: 'partclone.extfs',
  fat: 'partclone.fat',
  vfat: 'partclone.fat',
  btrfs: 'partclone.btrfs',
  xfs: 'partclone.xfs',
};

/** One `--partition N=FILE[:tool]`. */
export interface PartitionSpec {
  number: number;
  file: string;
  tool?: PartitionImage['tool'];
}

export function parsePartitionSpec(text: string): PartitionSpec {
  const match = /^(\d+)=(.+)$/.exec(text);
  if (!match || Number(match[1]) < 1) throw new ImportError(`--partition wants N=FILE[:tool], not "${text}"`);
  let file = match[2]!;
  let tool: PartitionImage['tool'] | undefined;
  const colon = file.lastIndexOf(':');
  if (colon > 0) {
    const name = file.slice(colon + 1).replace(/^partclone\./, '');
    if (TOOL_NAMES[name]) {
      tool = TOOL_NAMES[name];
      file = file.slice(0, colon);
    }
  }
  return { number: Number(match[1]), file, ...(tool ? { tool } : {}) };
}

async function statFile(file: string, what: string): Promise<number> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ImportError(`${what} ${file} is a directory, not a file`);
    if (!info.isFile()) throw new ImportError(`${what} ${file} is not a regular file`);
    return info.size;
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImportError(`${what} ${file} does not exist`);
    if (code === 'EACCES') throw new ImportError(`${what} ${file} cannot be read (permission denied)`);
    throw new ImportError(`${what} ${file} cannot be read: ${(error as Error).message}`);
  }
}

async function readAt(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A raw disk image (dd of a whole disk, a VM's raw .img): every partition's byte range, as dd would read it. */
export async function planRawImport(file: string, sfdisk?: string): Promise<ImportPlan> {
  const size = await statFile(file, 'disk image');
  if (size === 0) throw new ImportError(`disk image ${file} is empty`);
  const head = await readAt(file, 0, 4096);
  const compression = detectCompression(head);
  if (compression !== 'none') {
    const what = typeof compression === 'string' ? `${compression}-compressed` : compression.refused.split(':')[0];
    throw new ImportError(`${file} is ${what}: a raw disk image must be read as it is on disk; decompress it first`);
  }
  if (readPartcloneHeader(head)) throw new ImportError(`${file} is a partclone image of one partition, not a disk image: use --partition-table TABLE --partition N=${file}`);
  const container = detectVirtualDisk(head);
  if (container) throw new ImportError(`${file} is ${container}`);
  // A GPT names the disk's last sector (its backup header): a shorter file was cut off.
  if (head.subarray(512, 520).toString('latin1') === 'EFI PART') {
    const diskBytes = (Number(head.readBigUInt64LE(512 + 32)) + 1) * 512;
    if (diskBytes > size) throw new ImportError(`${file} is truncated: its GPT describes a disk of ${diskBytes} bytes, the file has ${size}`);
  }
  const table = await readImagePartitionTable(file, sfdisk);
  if (table.label === 'dos' && table.partitions.some((p) => p.type.toLowerCase() === 'ee')) {
    throw new ImportError(`${file} has a GPT protective MBR but no GPT sfdisk can read: the image is damaged or truncated`);
  }
  const plan: ImportPlan = {
    disk: { label: table.label, sizeBytes: size, sectorSize: table.sectorSize, partitionTable: table.dump },
    partitions: [],
    skipped: [],
    inputBytes: 0,
  };
  for (const partition of table.partitions) {
    if (partition.extended) {
      plan.skipped.push({ number: partition.number, reason: 'extended partition (a container; sfdisk recreates it on deploy)' });
      continue;
    }
    const start = partition.startSector * table.sectorSize;
    const length = partition.sectors * table.sectorSize;
    if (start + length > size) {
      throw new ImportError(`partition ${partition.number} of ${file} ends at byte ${start + length}, beyond the end of the image (${size} bytes): the image is truncated`);
    }
    const filesystem = detectFilesystem(await readAt(file, start, Math.min(length, FILESYSTEM_PROBE_BYTES)));
    plan.partitions.push({
      number: partition.number,
      startSector: partition.startSector,
      sizeBytes: length,
      filesystem,
      tool: 'dd',
      input: { files: [file], range: { start, length }, compression: 'none' },
      inputBytes: length,
      origin: `${file} bytes ${start}-${start + length - 1}`,
    });
  }
  if (!plan.partitions.length) throw new ImportError(`${file} has a partition table but no partition to import`);
  plan.inputBytes = plan.partitions.reduce((sum, p) => sum + p.inputBytes, 0);
  return plan;
}

/** Clonezilla splits images into FILE.aa, FILE.ab…: naming the first part takes them all, in order. */
function splitParts(file: string): string[] {
  if (!/\.aa$/.test(file)) return [file];
  const parts = [file];
  for (;;) {
    const last = parts.at(-1)!;
    const suffix = last.slice(-2);
    const next = suffix[1] === 'z' ? String.fromCharCode(suffix.charCodeAt(0) + 1) + 'a' : suffix[0] + String.fromCharCode(suffix.charCodeAt(1) + 1);
    const candidate = `${last.slice(0, -2)}${next}`;
    if (!existsSync(candidate)) return parts;
    parts.push(candidate);
  }
}

async function planPartitionImage(spec: PartitionSpec, partition: TablePartition, table: PartitionTable): Promise<PartitionSource> {
  const what = `partition ${spec.number}:`;
  const files = splitParts(spec.file);
  let inputBytes = 0;
  for (const file of files) inputBytes += await statFile(file, `${what} image`);
  if (inputBytes === 0) throw new ImportError(`${what} image ${spec.file} is empty`);
  const compression = detectCompression(await readAt(files[0]!, 0, 16));
  if (typeof compression !== 'string') throw new ImportError(`${what} ${spec.file} is ${compression.refused}`);
  const input: StreamInput = { files, compression };
  let head: Buffer;
  try {
    head = await peekStream(input, FILESYSTEM_PROBE_BYTES);
  } catch (error) {
    throw new ImportError(`${what} ${spec.file} does not decompress (${compression}): ${(error as Error).message}`);
  }
  let header: PartcloneHeader | undefined;
  try {
    header = readPartcloneHeader(head);
  } catch (error) {
    if (error instanceof UnsupportedPartcloneError) throw new ImportError(`${what} ${spec.file}: ${error.message}`);
    throw error;
  }
  const sizeBytes = partition.sectors * table.sectorSize;
  const base = { number: spec.number, startSector: partition.startSector, sizeBytes, input, inputBytes, origin: files.length > 1 ? `${spec.file} (+${files.length - 1} parts)` : spec.file };
  if (header) {
    if (spec.tool && spec.tool !== header.tool) throw new ImportError(`${what} ${spec.file} is a partclone image of ${header.fsType} (${header.tool}), not ${spec.tool}`);
    if (header.deviceSizeBytes > sizeBytes) {
      throw new ImportError(`${what} the filesystem in ${spec.file} is ${header.deviceSizeBytes} bytes, larger than partition ${spec.number} of the table (${sizeBytes} bytes)`);
    }
    const probe = partcloneProbeBytes(header);
    if (header.tool === 'partclone.extfs' && probe > head.length && probe <= 64 << 20) head = await peekStream(input, probe);
    return { ...base, filesystem: partcloneFilesystem(header, head), tool: header.tool, usedBytes: header.usedBlocks * header.blockSize };
  }
  if (spec.tool && spec.tool !== 'dd') throw new ImportError(`${what} ${spec.file} is not a partclone image (no "partclone-image" header), so it cannot be restored with ${spec.tool}`);
  if (compression === 'none' && inputBytes > sizeBytes) {
    throw new ImportError(`${what} ${spec.file} holds ${inputBytes} bytes, more than partition ${spec.number} of the table (${sizeBytes} bytes)`);
  }
  // Not partclone: the raw bytes of the partition (dd), restored as they are.
  return { ...base, filesystem: detectFilesystem(head), tool: 'dd' };
}

/**
 * Partclone images (`partclone.X -c -o FILE`, optionally gzip or zstd, optionally split) or raw
 * partition images, with the `sfdisk --dump` of the disk they came from.
 */
export async function planPartcloneImport(tableFile: string, specs: readonly PartitionSpec[]): Promise<ImportPlan> {
  await statFile(tableFile, 'partition table');
  const table = parseSfdiskDump(await readFile(tableFile, 'utf8'), tableFile);
  const byNumber = new Map(table.partitions.map((p) => [p.number, p]));
  const given = new Set<number>();
  for (const spec of specs) {
    if (given.has(spec.number)) throw new ImportError(`--partition ${spec.number} is given twice`);
    given.add(spec.number);
    const partition = byNumber.get(spec.number);
    if (!partition) throw new ImportError(`--partition ${spec.number}: ${tableFile} has no partition ${spec.number} (it has ${table.partitions.map((p) => p.number).join(', ')})`);
    if (partition.extended) throw new ImportError(`--partition ${spec.number}: partition ${spec.number} is an extended partition (a container of logical partitions); give its logical partitions instead`);
  }
  const missing = table.partitions.filter((p) => !p.extended && !given.has(p.number)).map((p) => p.number);
  if (missing.length) {
    throw new ImportError(`${tableFile} has partition(s) ${missing.join(', ')} with no image: give --partition ${missing[0]}=FILE for each (a raw dd image for one without a filesystem)`);
  }
  const plan: ImportPlan = {
    disk: { label: table.label, sizeBytes: diskBytes(table), sectorSize: table.sectorSize, partitionTable: table.dump },
    partitions: [],
    skipped: table.partitions.filter((p) => p.extended).map((p) => ({ number: p.number, reason: 'extended partition (a container; sfdisk recreates it on deploy)' })),
    inputBytes: 0,
  };
  for (const spec of [...specs].sort((a, b) => a.number - b.number)) plan.partitions.push(await planPartitionImage(spec, byNumber.get(spec.number)!, table));
  plan.inputBytes = plan.partitions.reduce((sum, p) => sum + p.inputBytes, 0);
  return plan;
}

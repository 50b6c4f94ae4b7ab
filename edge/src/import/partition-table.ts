import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findProgram } from '../lifecycle/find-program';
import { ImportError } from './import-error';

/**
 * The partition table of an image, as sfdisk (util-linux) reads and writes it: the
 * `sfdisk --dump` text goes into the manifest verbatim (the imaging environment feeds it back
 * to sfdisk on deploy), its numbers tell which byte range each partition is.
 */
export interface TablePartition {
  /** 1-based, as sfdisk numbers it (logical partitions of an MBR start at 5). */
  number: number;
  startSector: number;
  sectors: number;
  /** MBR type byte in hex ("83", "7") or GPT type GUID. */
  type: string;
  /** An MBR extended partition: a container of logical partitions, with no filesystem of its own. */
  extended: boolean;
}

export interface PartitionTable {
  label: 'gpt' | 'dos';
  sectorSize: number;
  /** GPT: the last usable sector (the backup GPT follows it). */
  lastLba?: number;
  partitions: TablePartition[];
  /** `sfdisk --dump` output. */
  dump: string;
}

const EXTENDED_TYPES = new Set(['5', 'f', '85']);

/** What a manifest can hold (shared/src/imaging/manifest.ts): checked before a byte is read, not after. */
const MAX_DUMP_CHARS = 64 * 1024;
const MAX_PARTITIONS = 128;

function isExtended(label: string, type: string): boolean {
  return label === 'dos' && EXTENDED_TYPES.has(type.toLowerCase().replace(/^0x/, '').replace(/^0+(?=.)/, ''));
}

function partitionNumber(name: string, where: string): number {
  const digits = /(\d+)$/.exec(name.trim())?.[1];
  if (!digits) throw new ImportError(`${where}: cannot tell the partition number of "${name.trim()}"`);
  return Number(digits);
}

/**
 * Parses `sfdisk --dump` text (also the older `Id=` form Clonezilla kept as sda-pt.sf).
 * Throws ImportError, naming `where`, when it is not such a dump.
 */
export function parseSfdiskDump(text: string, where: string): PartitionTable {
  const header = new Map<string, string>();
  const partitions: TablePartition[] = [];
  const lines = text.split(/\r?\n/);
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const entry = /^(.+?)\s*:\s*(.*\bstart=.*)$/.exec(trimmed);
    if (entry) {
      const fields = entry[2]!;
      const start = /\bstart=\s*(\d+)/.exec(fields)?.[1];
      const size = /\bsize=\s*(\d+)/.exec(fields)?.[1];
      const type = /\b(?:type|Id)=\s*([0-9A-Za-z-]+)/.exec(fields)?.[1] ?? '';
      if (start === undefined || size === undefined) throw new ImportError(`${where}: partition line without start= and size=: "${trimmed}"`);
      if (Number(size) === 0) continue; // an empty slot of an old MBR dump
      partitions.push({ number: partitionNumber(entry[1]!, where), startSector: Number(start), sectors: Number(size), type, extended: false });
      continue;
    }
    const setting = /^([a-z-]+)\s*:\s*(.*)$/.exec(trimmed);
    if (!setting) throw new ImportError(`${where}: not an sfdisk --dump partition table (line "${trimmed.slice(0, 60)}")`);
    header.set(setting[1]!, setting[2]!.trim());
  }
  if (!header.size && !partitions.length) throw new ImportError(`${where}: not an sfdisk --dump partition table (it is empty)`);
  // Dumps of sfdisk < 2.26 have no label line: they were MBR.
  const label = header.get('label') ?? 'dos';
  if (label !== 'gpt' && label !== 'dos') throw new ImportError(`${where}: a "${label}" partition table; Marrow restores MBR (dos) and GPT disks`);
  const unit = header.get('unit') ?? 'sectors';
  if (unit !== 'sectors') throw new ImportError(`${where}: unit "${unit}" (expected sectors: write the dump with a current sfdisk --dump)`);
  if (!partitions.length) throw new ImportError(`${where}: the partition table has no partitions`);
  for (const p of partitions) p.extended = isExtended(label, p.type);
  const numbers = partitions.map((p) => p.number);
  const twice = numbers.find((n, i) => numbers.indexOf(n) !== i);
  if (twice !== undefined) throw new ImportError(`${where}: partition ${twice} appears twice`);
  if (text.length > MAX_DUMP_CHARS) throw new ImportError(`${where}: the partition table is ${text.length} characters; a manifest holds at most ${MAX_DUMP_CHARS}`);
  if (partitions.length > MAX_PARTITIONS) throw new ImportError(`${where}: ${partitions.length} partitions; a manifest holds at most ${MAX_PARTITIONS}`);
  const sectorSize = Number(header.get('sector-size') ?? 512);
  const lastLba = header.has('last-lba') ? Number(header.get('last-lba')) : undefined;
  return { label, sectorSize, ...(lastLba !== undefined ? { lastLba } : {}), partitions, dump: text.endsWith('\n') ? text : `${text}\n` };
}

/** The disk size a table implies: GPT ends 33 sectors after its last usable one, MBR at its last partition. */
export function diskBytes(table: PartitionTable): number {
  const ends = table.partitions.map((p) => p.startSector + p.sectors);
  const sectors = table.label === 'gpt' && table.lastLba !== undefined ? table.lastLba + 34 : Math.max(...ends);
  return sectors * table.sectorSize;
}

const run = promisify(execFile);

interface SfdiskJson {
  partitiontable: {
    label: string;
    unit?: string;
    lastlba?: number;
    sectorsize?: number;
    partitions?: { node: string; start: number; size: number; type: string }[];
  };
}

/**
 * Reads the partition table of a raw disk image with sfdisk, which works on image files as on
 * disks (no loop device, no root): `--json` for the numbers, `--dump` for the manifest.
 */
export async function readImagePartitionTable(file: string, sfdisk = findProgram('sfdisk')): Promise<PartitionTable> {
  if (!sfdisk) throw new ImportError('sfdisk is needed to read the partition table of a disk image: install util-linux (Debian: apt-get install fdisk)');
  const sfdiskRun = async (flag: string) => {
    try {
      return (await run(sfdisk, [flag, file], { maxBuffer: 4 << 20, env: { ...process.env, LC_ALL: 'C' } })).stdout;
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '');
      if (/does not contain a recognized partition table/.test(stderr)) {
        throw new ImportError(`${file} has no partition table: it is not an MBR or GPT disk image (for images of single partitions, use --partition-table and --partition)`);
      }
      const reason = stderr.trim().split('\n').at(-1)?.replace(/^sfdisk:\s*/, '') || (error as Error).message;
      throw new ImportError(`sfdisk cannot read ${file}: ${reason}`);
    }
  };
  let json: SfdiskJson;
  try {
    json = JSON.parse(await sfdiskRun('--json')) as SfdiskJson;
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(`sfdisk --json gave no readable answer for ${file}`);
  }
  const dump = await sfdiskRun('--dump');
  const table = parseSfdiskDump(dump, file);
  const described = json.partitiontable;
  if (described.label !== table.label || (described.partitions ?? []).length !== table.partitions.length) {
    throw new ImportError(`sfdisk --json and --dump disagree about ${file}`);
  }
  // The numbers come from the JSON (exact), the text from the dump (verbatim).
  table.partitions = (described.partitions ?? []).map((p) => ({
    number: partitionNumber(p.node, file),
    startSector: p.start,
    sectors: p.size,
    type: p.type,
    extended: isExtended(described.label, p.type),
  }));
  table.sectorSize = described.sectorsize ?? table.sectorSize;
  if (described.lastlba !== undefined) table.lastLba = described.lastlba;
  return table;
}

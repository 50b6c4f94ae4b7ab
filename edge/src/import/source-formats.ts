import type { PartitionImage } from '@marrow/shared';

/**
 * What the first bytes of an input say it is: its compression, a partclone image header, or
 * the filesystem a raw partition holds (blkid's names, read from the same magic numbers
 * blkid reads). Pure functions over buffers; the planner reads the bytes.
 */

/** Enough of a raw partition to tell its filesystem: btrfs keeps its magic at 64 KiB + 64. */
export const FILESYSTEM_PROBE_BYTES = 0x10040 + 8;

export type Compression = 'none' | 'gzip' | 'zstd';

const startsWith = (head: Uint8Array, offset: number, bytes: readonly number[] | string): boolean => {
  const want = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= offset + want.length && Buffer.from(head.buffer, head.byteOffset + offset, want.length).equals(want);
};

/** gzip (RFC 1952 ID1 ID2) and zstd (frame magic 0xFD2FB528, little-endian) are read; others are refused with a hint. */
export function detectCompression(head: Uint8Array): Compression | { refused: string } {
  if (startsWith(head, 0, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, 0, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(head, 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { refused: 'xz-compressed: decompress it first (xz -d), or recompress it with zstd or gzip' };
  if (startsWith(head, 0, 'BZh')) return { refused: 'bzip2-compressed: decompress it first (bunzip2), or recompress it with zstd or gzip' };
  if (startsWith(head, 0, [0x04, 0x22, 0x4d, 0x18])) return { refused: 'lz4-compressed: decompress it first (lz4 -d), or recompress it with zstd or gzip' };
  if (startsWith(head, 0, [0x89, 0x4c, 0x5a, 0x4f])) return { refused: 'lzop-compressed: decompress it first (lzop -d), or recompress it with zstd or gzip' };
  return 'none';
}

/** Virtual-disk containers that are not raw images, with the command that converts them. */
export function detectVirtualDisk(head: Uint8Array): string | undefined {
  const convert = (format: string) => `a ${format} virtual disk, not a raw one: convert it first (qemu-img convert -O raw FILE disk.img)`;
  if (startsWith(head, 0, [0x51, 0x46, 0x49, 0xfb])) return convert('qcow2');
  if (startsWith(head, 0, 'KDMV')) return convert('VMDK');
  if (startsWith(head, 0, 'vhdxfile')) return convert('VHDX');
  if (startsWith(head, 0x40, [0x7f, 0x10, 0xda, 0xbe])) return convert('VDI');
  return undefined;
}

export type PartcloneTool = Exclude<PartitionImage['tool'], 'dd'>;

export interface PartcloneHeader {
  /** Image format: 1 (partclone < 0.3) or 2. */
  version: 1 | 2;
  /** The filesystem type partclone wrote ("EXTFS", "NTFS", "FAT32"…). */
  fsType: string;
  tool: PartcloneTool;
  /** Size of the imaged filesystem (bytes): the partition it is restored to must hold it. */
  deviceSizeBytes: number;
  blockSize: number;
  totalBlocks: number;
  usedBlocks: number;
  /** Format 2 only: where the block bitmap starts, its mode, and how checksums interleave blocks. */
  layout?: { bitmapOffset: number; bitmapMode: number; blocksPerChecksum: number; checksumSize: number };
}

export class UnsupportedPartcloneError extends Error {}

const PARTCLONE_MAGIC = 'partclone-image';

/** The filesystem types Marrow can restore, by partclone's name for them (partclone.h *_MAGIC). */
function toolFor(fsType: string): PartcloneTool | undefined {
  const type = fsType.toUpperCase();
  if (type === 'NTFS') return 'partclone.ntfs';
  if (/^EXT(FS|2|3|4)$/.test(type)) return 'partclone.extfs';
  if (/^(V?FAT(12|16|32)?)$/.test(type)) return 'partclone.fat';
  if (type === 'BTRFS') return 'partclone.btrfs';
  if (type === 'XFS') return 'partclone.xfs';
  return undefined;
}

function cString(head: Uint8Array, offset: number, length: number): string {
  const bytes = Buffer.from(head.buffer, head.byteOffset + offset, Math.min(length, Math.max(0, head.length - offset)));
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1').trim();
}

/**
 * Reads a partclone image header (partclone's IMAGE_FORMATS.md, formats 0001 and 0002), or
 * undefined when the bytes are not a partclone image. Throws UnsupportedPartcloneError for an
 * image of a filesystem the imaging environment cannot restore, or a big-endian one.
 */
export function readPartcloneHeader(head: Uint8Array): PartcloneHeader | undefined {
  if (!startsWith(head, 0, PARTCLONE_MAGIC)) return undefined;
  if (head.length < 110) throw new UnsupportedPartcloneError('the partclone image header is truncated');
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  const version = cString(head, 30, 4);
  let header: PartcloneHeader;
  if (version === '0001') {
    const fsType = cString(head, 15, 15);
    header = {
      version: 1,
      fsType,
      tool: toolFor(fsType)!,
      blockSize: view.getUint32(36, true),
      deviceSizeBytes: Number(view.getBigUint64(40, true)),
      totalBlocks: Number(view.getBigUint64(48, true)),
      usedBlocks: Number(view.getBigUint64(56, true)),
    };
  } else if (version === '0002') {
    if (view.getUint16(34, true) !== 0xc0de) throw new UnsupportedPartcloneError('the partclone image was made on a big-endian machine');
    const fsType = cString(head, 36, 16);
    const featureSize = view.getUint32(88, true);
    header = {
      version: 2,
      fsType,
      tool: toolFor(fsType)!,
      deviceSizeBytes: Number(view.getBigUint64(52, true)),
      totalBlocks: Number(view.getBigUint64(60, true)),
      usedBlocks: Number(view.getBigUint64(68, true)),
      blockSize: view.getUint32(84, true),
      layout: {
        bitmapOffset: 88 + featureSize + 4,
        bitmapMode: view.getUint8(105),
        checksumSize: view.getUint16(98, true),
        blocksPerChecksum: view.getUint32(100, true),
      },
    };
  } else {
    throw new UnsupportedPartcloneError(`partclone image format "${version}" is unknown (known: 0001, 0002)`);
  }
  if (!header.tool) {
    throw new UnsupportedPartcloneError(
      `it is a partclone image of ${header.fsType || 'an unnamed filesystem'}; the imaging environment restores NTFS, ext2/3/4, FAT, btrfs and XFS images (or raw dd images)`,
    );
  }
  return header;
}

/** ext2, ext3 or ext4 from a superblock, as blkid decides it (features beyond ext3's make ext4). */
export function extVariant(superblock: Uint8Array): 'ext2' | 'ext3' | 'ext4' {
  const view = new DataView(superblock.buffer, superblock.byteOffset, superblock.length);
  const compat = view.getUint32(0x5c, true);
  const incompat = view.getUint32(0x60, true);
  const roCompat = view.getUint32(0x64, true);
  const EXT3_INCOMPAT = 0x0002 | 0x0004 | 0x0010; // filetype, recover, meta_bg
  const EXT3_RO_COMPAT = 0x0001 | 0x0002 | 0x0004; // sparse_super, large_file, btree_dir
  if (incompat & ~EXT3_INCOMPAT || roCompat & ~EXT3_RO_COMPAT) return 'ext4';
  return compat & 0x0004 ? 'ext3' : 'ext2'; // has_journal
}

/**
 * blkid's name for the filesystem at the start of a raw partition, or "raw". `head` should hold
 * FILESYSTEM_PROBE_BYTES (less only misses btrfs).
 */
export function detectFilesystem(head: Uint8Array): string {
  if (startsWith(head, 3, 'NTFS    ')) return 'ntfs';
  if (startsWith(head, 3, '-FVE-FS-')) return 'BitLocker';
  if (startsWith(head, 3, 'EXFAT   ')) return 'exfat';
  if (startsWith(head, 1080, [0x53, 0xef])) return extVariant(head.subarray(1024, 2048));
  if (startsWith(head, 0, 'XFSB')) return 'xfs';
  if (startsWith(head, 0x10040, '_BHRfS_M')) return 'btrfs';
  if (startsWith(head, 510, [0x55, 0xaa]) && (startsWith(head, 82, 'FAT32   ') || startsWith(head, 54, 'FAT1') || startsWith(head, 54, 'FAT     '))) return 'vfat';
  if (startsWith(head, 4086, 'SWAPSPACE2') || startsWith(head, 4086, 'SWAP-SPACE')) return 'swap';
  return 'raw';
}

/**
 * Where, in a partclone image stream, the byte at `fsOffset` of the filesystem lies — for
 * reading an ext superblock out of a partclone.extfs image. Undefined when the block is not
 * in the image, or the format does not say (format 1, byte-per-block bitmaps).
 */
export function partcloneStreamOffset(header: PartcloneHeader, bitmap: (from: number, length: number) => Uint8Array | undefined, fsOffset: number): number | undefined {
  const layout = header.layout;
  if (!layout || layout.bitmapMode !== 1 || header.blockSize <= 0) return undefined;
  const block = Math.floor(fsOffset / header.blockSize);
  const bits = bitmap(layout.bitmapOffset, Math.floor(block / 8) + 1);
  if (!bits || !(bits[block >> 3]! & (1 << (block & 7)))) return undefined;
  let rank = 0;
  for (let b = 0; b < block; b++) if (bits[b >> 3]! & (1 << (b & 7))) rank++;
  const dataStart = layout.bitmapOffset + Math.ceil(header.totalBlocks / 8) + 4;
  const checksums = layout.checksumSize > 0 && layout.blocksPerChecksum > 0 ? Math.floor(rank / layout.blocksPerChecksum) * layout.checksumSize : 0;
  return dataStart + rank * header.blockSize + checksums + (fsOffset % header.blockSize);
}

/** blkid's name for the filesystem of a partclone image: ext2/3/4 read from the superblock inside when `head` holds it. */
export function partcloneFilesystem(header: PartcloneHeader, head: Uint8Array): string {
  switch (header.tool) {
    case 'partclone.ntfs':
      return 'ntfs';
    case 'partclone.fat':
      return 'vfat';
    case 'partclone.btrfs':
      return 'btrfs';
    case 'partclone.xfs':
      return 'xfs';
    case 'partclone.extfs': {
      const named = header.fsType.toLowerCase();
      if (named !== 'extfs') return named;
      const at = partcloneStreamOffset(header, (from, length) => (from + length <= head.length ? head.subarray(from, from + length) : undefined), 1024);
      if (at === undefined || at + 1024 > head.length || !startsWith(head, at + 56, [0x53, 0xef])) return 'ext4';
      return extVariant(head.subarray(at, at + 1024));
    }
  }
}

/** Bytes of a partclone image's start needed to find its ext superblock (header, bitmap, two blocks). */
export function partcloneProbeBytes(header: PartcloneHeader): number {
  if (!header.layout) return 4096;
  return header.layout.bitmapOffset + Math.ceil(header.totalBlocks / 8) + 4 + 2 * header.blockSize + 2 * header.layout.checksumSize + 1024;
}

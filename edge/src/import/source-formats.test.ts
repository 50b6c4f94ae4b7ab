import { describe, expect, it } from 'vitest';
import {
  detectCompression,
  detectFilesystem,
  detectVirtualDisk,
  extVariant,
  FILESYSTEM_PROBE_BYTES,
  partcloneFilesystem,
  readPartcloneHeader,
  UnsupportedPartcloneError,
} from './source-formats';

/** An ext superblock (1024 bytes) with these feature words. */
function superblock({ compat = 0, incompat = 0, roCompat = 0 } = {}): Buffer {
  const sb = Buffer.alloc(1024);
  sb.writeUInt16LE(0xef53, 56);
  sb.writeUInt32LE(compat, 0x5c);
  sb.writeUInt32LE(incompat, 0x60);
  sb.writeUInt32LE(roCompat, 0x64);
  return sb;
}

/**
 * A partclone 0002 image of an ext filesystem with 1 KiB blocks, as partclone.extfs writes it:
 * header, bit-per-block bitmap and its CRC, then the used blocks with a checksum every
 * `perChecksum` blocks. Block 0 is the boot block, block 1 the superblock.
 */
function partcloneV2(fsType: string, { blocks = 64, used = [0, 1, 2, 5], perChecksum = 1, sb = superblock() } = {}): Buffer {
  const header = Buffer.alloc(110);
  header.write('partclone-image', 0, 'latin1');
  header.write('0.3.23', 16, 'latin1');
  header.write('0002', 30, 'latin1');
  header.writeUInt16LE(0xc0de, 34);
  header.write(fsType, 36, 'latin1');
  header.writeBigUInt64LE(BigInt(blocks * 1024), 52);
  header.writeBigUInt64LE(BigInt(blocks), 60);
  header.writeBigUInt64LE(BigInt(used.length), 68);
  header.writeBigUInt64LE(BigInt(used.length), 76);
  header.writeUInt32LE(1024, 84);
  header.writeUInt32LE(18, 88);
  header.writeUInt16LE(2, 92);
  header.writeUInt16LE(64, 94);
  header.writeUInt16LE(0x20, 96);
  header.writeUInt16LE(4, 98);
  header.writeUInt32LE(perChecksum, 100);
  header.writeUInt8(1, 104);
  header.writeUInt8(1, 105);
  const bitmap = Buffer.alloc(Math.ceil(blocks / 8) + 4);
  for (const b of used) bitmap[b >> 3]! |= 1 << (b & 7);
  const data: Buffer[] = [];
  used.forEach((b, rank) => {
    data.push(b === 1 ? sb : Buffer.alloc(1024, b));
    if ((rank + 1) % perChecksum === 0) data.push(Buffer.from('CRC!'));
  });
  return Buffer.concat([header, bitmap, ...data]);
}

describe('compression', () => {
  it('reads gzip and zstd by their magic, and refuses others with a hint', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe('zstd');
    expect(detectCompression(Buffer.from('partclone-image'))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toEqual({ refused: expect.stringContaining('xz-compressed') });
    expect(detectCompression(Buffer.from('BZh91AY'))).toEqual({ refused: expect.stringContaining('bzip2') });
  });

  it('names virtual disks that are not raw images', () => {
    expect(detectVirtualDisk(Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]))).toContain('qcow2');
    expect(detectVirtualDisk(Buffer.from('KDMV\x01\x00\x00\x00', 'latin1'))).toContain('VMDK');
    expect(detectVirtualDisk(Buffer.alloc(512))).toBeUndefined();
  });
});

describe('filesystems of raw partitions', () => {
  const at = (offset: number, bytes: Buffer | string, size = FILESYSTEM_PROBE_BYTES) => {
    const head = Buffer.alloc(size);
    (typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes).copy(head, offset);
    return head;
  };

  it.each([
    ['ntfs', at(3, 'NTFS    ')],
    ['BitLocker', at(3, '-FVE-FS-')],
    ['exfat', at(3, 'EXFAT   ')],
    ['xfs', at(0, 'XFSB')],
    ['btrfs', at(0x10040, '_BHRfS_M')],
    ['swap', at(4086, 'SWAPSPACE2')],
    ['raw', Buffer.alloc(FILESYSTEM_PROBE_BYTES)],
    ['raw', Buffer.alloc(100)],
  ])('%s', (name, head) => {
    expect(detectFilesystem(head)).toBe(name);
  });

  it('tells FAT by its boot sector signature and type string', () => {
    const fat32 = at(82, 'FAT32   ');
    fat32.writeUInt16BE(0x55aa, 510);
    expect(detectFilesystem(fat32)).toBe('vfat');
    const fat16 = at(54, 'FAT16   ');
    fat16.writeUInt16BE(0x55aa, 510);
    expect(detectFilesystem(fat16)).toBe('vfat');
    expect(detectFilesystem(at(82, 'FAT32   '))).toBe('raw'); // no 55AA
  });

  it('tells ext2, ext3 and ext4 apart as blkid does', () => {
    expect(extVariant(superblock())).toBe('ext2');
    expect(extVariant(superblock({ compat: 0x4, incompat: 0x2 }))).toBe('ext3');
    expect(extVariant(superblock({ compat: 0x4, incompat: 0x2 | 0x40 }))).toBe('ext4'); // extents
    expect(extVariant(superblock({ roCompat: 0x8 }))).toBe('ext4'); // huge_file, no journal
    expect(detectFilesystem(at(1024, superblock({ compat: 0x4, incompat: 0x2c2 })))).toBe('ext4');
  });
});

describe('partclone image headers', () => {
  it('reads format 0002: filesystem, tool, sizes and layout', () => {
    const image = partcloneV2('EXTFS');
    const header = readPartcloneHeader(image)!;
    expect(header).toMatchObject({ version: 2, fsType: 'EXTFS', tool: 'partclone.extfs', deviceSizeBytes: 64 * 1024, totalBlocks: 64, usedBlocks: 4, blockSize: 1024 });
    expect(header.layout).toEqual({ bitmapOffset: 110, bitmapMode: 1, checksumSize: 4, blocksPerChecksum: 1 });
    for (const [fs, tool] of [['NTFS', 'partclone.ntfs'], ['FAT32', 'partclone.fat'], ['FAT16', 'partclone.fat'], ['BTRFS', 'partclone.btrfs'], ['XFS', 'partclone.xfs']]) {
      expect(readPartcloneHeader(partcloneV2(fs!))!.tool).toBe(tool);
    }
  });

  it('reads format 0001 (partclone before 0.3)', () => {
    const head = Buffer.alloc(4160);
    head.write('partclone-image', 0, 'latin1');
    head.write('NTFS', 15, 'latin1');
    head.write('0001', 30, 'latin1');
    head.writeUInt32LE(4096, 36);
    head.writeBigUInt64LE(BigInt(1 << 30), 40);
    head.writeBigUInt64LE(262144n, 48);
    head.writeBigUInt64LE(1000n, 56);
    expect(readPartcloneHeader(head)).toMatchObject({ version: 1, tool: 'partclone.ntfs', blockSize: 4096, deviceSizeBytes: 1 << 30, usedBlocks: 1000 });
  });

  it('is not fooled by other data, and refuses what cannot be restored', () => {
    expect(readPartcloneHeader(Buffer.from('not a partclone image at all'))).toBeUndefined();
    expect(() => readPartcloneHeader(partcloneV2('HFS Plus'))).toThrow(UnsupportedPartcloneError);
    expect(() => readPartcloneHeader(partcloneV2('HFS Plus'))).toThrow(/partclone image of HFS Plus/);
    const bigEndian = partcloneV2('EXTFS');
    bigEndian.writeUInt16BE(0xc0de, 34);
    expect(() => readPartcloneHeader(bigEndian)).toThrow(/big-endian/);
    expect(() => readPartcloneHeader(Buffer.from('partclone-image\0'))).toThrow(/truncated/);
  });

  it('finds the ext superblock inside the image to name ext2/3/4, past checksums', () => {
    for (const perChecksum of [1, 2, 256]) {
      const ext3 = partcloneV2('EXTFS', { perChecksum, sb: superblock({ compat: 0x4, incompat: 0x2 }) });
      expect(partcloneFilesystem(readPartcloneHeader(ext3)!, ext3), `every ${perChecksum}`).toBe('ext3');
    }
    const ext4 = partcloneV2('EXTFS', { sb: superblock({ incompat: 0x40 }) });
    expect(partcloneFilesystem(readPartcloneHeader(ext4)!, ext4)).toBe('ext4');
    // Superblock block absent, or not in the bytes at hand: the likely ext4.
    const noSb = partcloneV2('EXTFS', { used: [0, 2] });
    expect(partcloneFilesystem(readPartcloneHeader(noSb)!, noSb)).toBe('ext4');
    expect(partcloneFilesystem(readPartcloneHeader(ext4)!, ext4.subarray(0, 200))).toBe('ext4');
    expect(partcloneFilesystem(readPartcloneHeader(partcloneV2('NTFS'))!, Buffer.alloc(0))).toBe('ntfs');
    expect(partcloneFilesystem(readPartcloneHeader(partcloneV2('FAT32'))!, Buffer.alloc(0))).toBe('vfat');
  });
});

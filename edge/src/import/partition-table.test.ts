import { describe, expect, it } from 'vitest';
import { ImportError } from './import-error';
import { parsePartitionSpec } from './import-plan';
import { diskBytes, parseSfdiskDump } from './partition-table';

const gpt = `label: gpt
label-id: 69998324-DF02-664E-A906-473DECDE1DFC
device: /images/disk.img
unit: sectors
first-lba: 2048
last-lba: 81886
sector-size: 512

/images/disk.img1 : start=        2048, size=       32768, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=7D211130-FB8C-6E40-B54A-285481A2A861, name="EFI system partition"
/images/disk.img2 : start=       34816, size=       16384, type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE, uuid=CEECE079-41EC-D748-947D-0DFE49612372
/images/disk.img3 : start=       51200, size=       28672, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=57188144-3020-6046-8706-AE21832E6209
`;

const mbr = `label: dos
label-id: 0xb390d1b3
device: /dev/sda
unit: sectors
sector-size: 512

/dev/sda1 : start=        2048, size=       20480, type=7, bootable
/dev/sda2 : start=       22528, size=       59392, type=f
/dev/sda5 : start=       24576, size=       10240, type=83
/dev/sda6 : start=       36864, size=       45056, type=7
`;

describe('sfdisk --dump', () => {
  it('reads a GPT dump: numbers, ranges and the disk size its last usable sector implies', () => {
    const table = parseSfdiskDump(gpt, 'table.txt');
    expect(table).toMatchObject({ label: 'gpt', sectorSize: 512, lastLba: 81886, dump: gpt });
    expect(table.partitions.map((p) => [p.number, p.startSector, p.sectors, p.extended])).toEqual([
      [1, 2048, 32768, false],
      [2, 34816, 16384, false],
      [3, 51200, 28672, false],
    ]);
    expect(diskBytes(table)).toBe((81886 + 34) * 512);
  });

  it('reads an MBR dump with an extended partition and logical ones', () => {
    const table = parseSfdiskDump(mbr, 'sda-pt.sf');
    expect(table.partitions.map((p) => [p.number, p.type, p.extended])).toEqual([
      [1, '7', false],
      [2, 'f', true],
      [5, '83', false],
      [6, '7', false],
    ]);
    expect(diskBytes(table)).toBe((36864 + 45056) * 512);
  });

  it('reads the older format (no label line, Id=, empty slots)', () => {
    const old = `# partition table of /dev/sda
unit: sectors

/dev/sda1 : start=     2048, size= 1024000, Id= 7, bootable
/dev/sda2 : start=  1026048, size=40916992, Id= 7
/dev/sda3 : start=        0, size=       0, Id= 0
/dev/sda4 : start=        0, size=       0, Id= 0
`;
    const table = parseSfdiskDump(old, 'sda-pt.sf');
    expect(table.label).toBe('dos');
    expect(table.partitions.map((p) => [p.number, p.type])).toEqual([
      [1, '7'],
      [2, '7'],
    ]);
  });

  it.each([
    ['', 'it is empty'],
    ['hello world\n', 'not an sfdisk --dump partition table'],
    ['label: gpt\nunit: sectors\n', 'no partitions'],
    ['label: sun\n/dev/sda1 : start=0, size=10\n', '"sun" partition table'],
    ['label: dos\nunit: cylinders\n/dev/sda1 : start=0, size=10\n', 'unit "cylinders"'],
    ['label: dos\n/dev/sda1 : start=2048, size=10\n/dev/sdb1 : start=4096, size=10\n', 'partition 1 appears twice'],
    ['label: dos\n/dev/sda : start=2048, size=10\n', 'cannot tell the partition number'],
  ])('refuses %j', (text, message) => {
    expect(() => parseSfdiskDump(text, 'table.txt')).toThrow(ImportError);
    expect(() => parseSfdiskDump(text, 'table.txt')).toThrow(message);
  });
});

describe('--partition N=FILE[:tool]', () => {
  it('takes a tool only when it names one', () => {
    expect(parsePartitionSpec('1=/img/sda1.ntfs-ptcl-img.gz')).toEqual({ number: 1, file: '/img/sda1.ntfs-ptcl-img.gz' });
    expect(parsePartitionSpec('2=/img/sda2.img:dd')).toEqual({ number: 2, file: '/img/sda2.img', tool: 'dd' });
    expect(parsePartitionSpec('3=/img/sda3.pc:partclone.extfs')).toEqual({ number: 3, file: '/img/sda3.pc', tool: 'partclone.extfs' });
    expect(parsePartitionSpec('4=C:/images/x:ntfs')).toEqual({ number: 4, file: 'C:/images/x', tool: 'partclone.ntfs' });
    expect(parsePartitionSpec('5=/odd:name')).toEqual({ number: 5, file: '/odd:name' });
  });

  it.each(['', '1', '=file', '0=file', 'a=file', '1='])('refuses %j', (text) => {
    expect(() => parsePartitionSpec(text)).toThrow('--partition wants N=FILE[:tool]');
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanedAfterEach, sh, withLibs } from './sh-harness';

const { temp, listen } = cleanedAfterEach();

describe('marrow_parse_cmdline', () => {
  const parse = (cmdline: string) =>
    sh(
      withLibs(
        `marrow_parse_cmdline "$CMDLINE" || exit 3
         printf '%s|%s|%s|%s|%s|%s|%s' "$MARROW_MODE" "$MARROW_SERVER" "$MARROW_MAC" "$MARROW_DEPLOYMENT" "$MARROW_MASTER" "$MARROW_MACHINE" "$MARROW_TOKEN"`,
      ),
      { CMDLINE: cmdline },
    );

  it('reads what render-boot-script puts on the kernel line, with the token', async () => {
    const result = await parse(
      'BOOT_IMAGE=vmlinuz console=ttyS0 quiet marrow.mode=deploy marrow.server=http://10.77.0.1:8080/ marrow.mac=52:54:00:77:00:10 marrow.deployment=dep-1 marrow.master=mst-2 marrow.machine=mch-3 marrow.token=tok.abc',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('deploy|http://10.77.0.1:8080|52:54:00:77:00:10|dep-1|mst-2|mch-3|tok.abc');
  });

  it('takes values literally (no expansion, no eval)', async () => {
    const result = await parse('marrow.mode=register marrow.server=http://e:1 marrow.mac=$(reboot) marrow.machine=`id`');
    expect(result.stdout).toBe('register|http://e:1|$(reboot)|||`id`|');
    // the optional fields stay empty; the machine id is the literal text
    const machine = await sh(withLibs('marrow_parse_cmdline "$CMDLINE"; printf %s "$MARROW_MACHINE"'), {
      CMDLINE: 'marrow.mode=register marrow.server=http://e:1 marrow.machine=`id`',
    });
    expect(machine.stdout).toBe('`id`');
  });

  it('refuses a missing or unknown mode and a missing server', async () => {
    expect((await parse('marrow.server=http://e:1')).code).toBe(3);
    const unknown = await parse('marrow.mode=format marrow.server=http://e:1');
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("unknown marrow.mode 'format'");
    const noServer = await parse('marrow.mode=backup');
    expect(noServer.code).toBe(3);
    expect(noServer.stderr).toContain('marrow.server');
  });
});

describe('tool_for_fstype', () => {
  it('maps blkid types to partclone tools, anything else to dd', async () => {
    const types = ['ntfs', 'ext2', 'ext3', 'ext4', 'vfat', 'swap', 'xfs', 'BitLocker', ''];
    const result = await sh(withLibs('for t in ntfs ext2 ext3 ext4 vfat swap xfs BitLocker ""; do tool_for_fstype "$t"; done'));
    expect(result.stdout.trim().split('\n')).toEqual([
      'partclone.ntfs',
      'partclone.extfs',
      'partclone.extfs',
      'partclone.extfs',
      'partclone.fat',
      'dd',
      'dd',
      'dd',
      'dd',
    ]);
    expect(types).toHaveLength(9);
  });
});

describe('json_str and the progress body', () => {
  it('escapes quotes, backslashes and newlines', async () => {
    const result = await sh(withLibs('json_str "$V"'), { V: 'a "b" C:\\x\nline2\ttab' });
    expect(JSON.parse(result.stdout)).toBe('a "b" C:\\x\nline2\ttab');
  });

  it('builds progress and error bodies the edge can parse', async () => {
    const progress = await sh(withLibs('progress_json deploy-partition-1 1048576 4194304 524288 running', 'report'));
    expect(JSON.parse(progress.stdout)).toEqual({
      phase: 'deploy-partition-1',
      bytesDone: 1048576,
      bytesTotal: 4194304,
      rateBytesPerSecond: 524288,
      state: 'running',
    });
    const error = await sh(withLibs('error_json deploy "sfdisk failed" "$TAIL"', 'report'), { TAIL: 'line 1\nline "2"' });
    expect(JSON.parse(error.stdout)).toMatchObject({ phase: 'deploy', state: 'failed', error: { message: 'sfdisk failed', logTail: 'line 1\nline "2"' } });
  });
});

describe('disks and partitions', () => {
  it('picks the first non-removable, non-empty disk', async () => {
    const dir = await temp();
    const disk = async (name: string, size: number, removable: number) => {
      await mkdir(join(dir, name), { recursive: true });
      await writeFile(join(dir, name, 'size'), `${size}\n`);
      await writeFile(join(dir, name, 'removable'), `${removable}\n`);
    };
    await disk('loop0', 1000, 0);
    await disk('sda', 1000, 1); // a USB stick
    await disk('sr0', 1000, 1);
    await disk('vda', 0, 0); // empty
    await disk('vdb', 2048, 0);
    expect((await sh(withLibs('pick_target_disk "$D"'), { D: dir })).stdout.trim()).toBe('vdb');
    await disk('nvme0n1', 4096, 0);
    expect((await sh(withLibs('pick_target_disk "$D"'), { D: dir })).stdout.trim()).toBe('nvme0n1');
  });

  it('names partition devices and reads/retargets an sfdisk dump', async () => {
    const names = await sh(withLibs('part_dev sda 1; part_dev nvme0n1 2; part_dev mmcblk0 3'));
    expect(names.stdout.trim().split('\n')).toEqual(['/dev/sda1', '/dev/nvme0n1p2', '/dev/mmcblk0p3']);
    const dump = [
      'label: gpt',
      'label-id: 6B1C3D0E-7F3A-4A1B-9C2D-0E1F2A3B4C5D',
      'device: /dev/sda',
      'unit: sectors',
      'first-lba: 34',
      'last-lba: 131038',
      'sector-size: 512',
      '',
      '/dev/sda1 : start=        2048, size=      204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=1',
      '/dev/sda3 : start=      206848, size=      100000, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=2, name="Basic data"',
      '',
    ].join('\n');
    const parts = await sh(withLibs('printf "%s" "$DUMP" | dump_partitions'), { DUMP: dump });
    expect(parts.stdout.trim().split('\n')).toEqual(['1 2048 204800', '3 206848 100000']);
    const retargeted = await sh(withLibs('printf "%s" "$DUMP" | retarget_dump nvme0n1'), { DUMP: dump });
    expect(retargeted.stdout).not.toContain('device:');
    expect(retargeted.stdout).not.toContain('last-lba');
    expect(retargeted.stdout).toContain('/dev/nvme0n1p1 : start=        2048');
    expect(retargeted.stdout).toContain('/dev/nvme0n1p3 : start=      206848, size=      100000, type=EBD0A0A2');
    expect(retargeted.stdout).toContain('first-lba: 34');
  });

  it('resolves Windows paths case-insensitively', async () => {
    const dir = await temp();
    await mkdir(join(dir, 'WINDOWS', 'system32'), { recursive: true });
    const result = await sh(withLibs('ci_path "$D" Windows/System32; ci_path "$D" Windows/Panther/unattend.xml'), { D: dir });
    expect(result.stdout.trim().split('\n')).toEqual([`${dir}/WINDOWS/system32`, `${dir}/WINDOWS/Panther/unattend.xml`]);
  });
});

describe('inventory_json', () => {
  it('reads DMI, CPU, memory, disks and NICs from a tree', async () => {
    const root = await temp();
    const put = async (path: string, text: string) => {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    };
    await put('sys/class/dmi/id/sys_vendor', 'Dell Inc.\n');
    await put('sys/class/dmi/id/product_name', 'OptiPlex "7090"\n');
    await put('sys/class/dmi/id/product_serial', 'ABC123\n');
    await put('sys/class/dmi/id/bios_version', '1.2.3\n');
    await put('sys/class/dmi/id/product_uuid', '4c4c4544-0000-1010-8000-b3c04f4d3533\n');
    await put('proc/cpuinfo', 'processor\t: 0\nmodel name\t: Intel(R) Core(TM) i5\nprocessor\t: 1\nmodel name\t: Intel(R) Core(TM) i5\n');
    await put('proc/meminfo', 'MemTotal:        8000000 kB\nMemFree: 1 kB\n');
    await put('sys/block/sda/size', '1000215216\n');
    await put('sys/block/sda/removable', '0\n');
    await put('sys/block/sda/queue/rotational', '0\n');
    await put('sys/block/sda/device/model', 'Samsung SSD 870  \n');
    await put('sys/block/loop0/size', '8\n');
    await put('sys/class/net/lo/address', '00:00:00:00:00:00\n');
    await put('sys/class/net/eth0/address', '52:54:00:77:00:10\n');
    const result = await sh(withLibs('inventory_json "$R"'), { R: root, MARROW_MAC: '52:54:00:77:00:10' });
    expect(JSON.parse(result.stdout)).toEqual({
      mac: '52:54:00:77:00:10',
      vendor: 'Dell Inc.',
      model: 'OptiPlex "7090"',
      serial: 'ABC123',
      biosVersion: '1.2.3',
      uuid: '4c4c4544-0000-1010-8000-b3c04f4d3533',
      cpu: 'Intel(R) Core(TM) i5',
      cpuCount: 2,
      memoryBytes: 8192000000,
      disks: [{ name: 'sda', sizeBytes: 1000215216 * 512, model: 'Samsung SSD 870', removable: false, rotational: false }],
      nics: [{ name: 'eth0', mac: '52:54:00:77:00:10' }],
    });
  });
});

describe('session_json', () => {
  /** A fake edge that answers GET /imaging/session with the URL it was asked. */
  async function fakeEdge(): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ asked: req.url, postImagingScript: ['MountSystem'] }));
    });
    return { url: await listen(server), seen };
  }

  it('asks for the session of the master on the kernel line (marrow.master), once', async () => {
    const edge = await fakeEdge();
    const state = await temp();
    const result = await sh(withLibs('marrow_parse_cmdline "$CMDLINE" || exit 3; session_json; echo; session_json'), {
      CMDLINE: `marrow.mode=deploy marrow.server=${edge.url}/ marrow.master=ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P marrow.token=tok-9`,
      MARROW_STATE: state,
    });
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(first).toEqual({ asked: '/imaging/session?master=ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', postImagingScript: ['MountSystem'] });
    expect(second).toEqual(first); // from $MARROW_STATE/session.json
    expect(edge.seen).toEqual(['/imaging/session?master=ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P Bearer tok-9']);
  });

  it('asks without ?master= when there is no marrow.master, and refuses one that is not a plain id', async () => {
    const edge = await fakeEdge();
    const plain = await sh(withLibs('session_json'), { MARROW_SERVER: edge.url, MARROW_STATE: await temp() });
    expect(JSON.parse(plain.stdout)).toMatchObject({ asked: '/imaging/session' });
    const odd = await sh(withLibs('session_json || exit 4'), { MARROW_SERVER: edge.url, MARROW_STATE: await temp(), MARROW_MASTER: 'ms_1&x=2' });
    expect(odd.code).toBe(4);
    expect(odd.stderr).toContain("marrow.master 'ms_1&x=2' is not a master id");
    expect(edge.seen).toEqual(['/imaging/session ']);
  });
});

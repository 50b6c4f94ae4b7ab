import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from './support/netns';
import { REPO_ROOT } from './support/netns-node';
import { cleanSerial, type PxeSite, type VmRun } from './support/pxe-lab';
import { PxeLabRun } from './support/pxe-lab-run';
import type { CacheSyncResult } from './support/pxe-site';
import { attachPartition, buildSourceDisk, mountPartition, partitionTable, treeDifferences, treeDigest, type SourceDisk } from './support/test-disks';

/**
 * The imaging pipeline on real VM disks, driven the way a user drives it:
 *
 *   reference disk (GPT: NTFS laid out like Windows + ext4), built on the host
 *   → backup request in the API → VM A PXE-boots straight into Marrow's imaging environment
 *     (edge/imaging-env/build.sh: Debian kernel, partclone, ntfs-3g…) and captures its disk
 *     through the edge into chunks, uploaded to s3rver → backup image ready, request done
 *   → promote to master → deployment to lab-042 with post-imaging scripts (MountSystem,
 *     CopySysprep, CopyRunAtOnce, UseOEMBiosLicence; VM B's firmware carries an MSDM table)
 *   → VM B, blank disk, PXE-boots, restores, runs the scripts → task done in the API
 *   → on VM B's disk file: the same partition table, every file equal, unattend.xml with
 *     "lab-042" and the OEM key, SetupComplete.cmd.
 * Then a master v2 (a few MB changed): a cache holding v1 syncs only the new chunks. Then the
 * same for an MBR disk, without post-imaging scripts.
 *
 * The lab is pxe-boot.test.ts' (support/pxe-lab.ts): namespaces, a bridge, dnsmasq for
 * addresses, Marrow (control plane + edge) in the site namespace. Root only; QEMU TCG.
 */
const exec = promisify(execFile);

const MAC = {
  reference: '52:54:00:78:00:01',
  lab042: '52:54:00:78:00:42',
  mbrSource: '52:54:00:78:00:11',
  mbrTarget: '52:54:00:78:00:12',
  multicastA: '52:54:00:78:00:21',
  multicastB: '52:54:00:78:00:22',
};
const OEM_KEY = 'MRW42-TESTK-EYABC-DE123-45XYZ';
const END = /MARROW-END (poweroff|reboot)|MARROW-FAILED[^\n]*/;
const REQUIRED = ['qemu-system-x86_64', 'dnsmasq', 'mkntfs', 'ntfs-3g', 'sfdisk', 'mkfs.ext4', 'losetup', 'apt-get', 'dpkg-deb', 'depmod', 'cpio', 'udp-sender'];

const skipReason = await netnsUnavailableReason();
if (skipReason) console.warn(`imaging: skipped — ${skipReason}`);

/**
 * The body of an ACPI MSDM table (Microsoft's "Software Licensing Description Table"): QEMU
 * writes the 36-byte header from -acpitable's sig/rev/oem fields and its checksum; this is
 * what follows: version, reserved, data type, reserved, data length, the product key.
 */
function msdmBody(key: string): Buffer {
  const body = Buffer.alloc(20 + key.length);
  body.writeUInt32LE(1, 0);
  body.writeUInt32LE(0, 4);
  body.writeUInt32LE(1, 8);
  body.writeUInt32LE(0, 12);
  body.writeUInt32LE(key.length, 16);
  body.write(key, 20, 'ascii');
  return body;
}

interface Task {
  state: string;
  error: { message: string; logTail: string } | null;
  progress: { phase: string; bytesDone: number } | null;
}

describe.skipIf(skipReason !== undefined)(`imaging on real VM disks (QEMU TCG)${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  const lab = new PxeLabRun('imaging');
  const timings = lab.timings;
  let work: string;
  let site: PxeSite;
  let entityId: string;
  let gpt: SourceDisk;

  beforeAll(() => lab.setUp(async () => {
    const started = Date.now();
    await lab.installMissing(REQUIRED, ['/usr/lib/ipxe/qemu/pxe-virtio.rom']);
    const built = await exec('bash', [join(REPO_ROOT, 'edge/imaging-env/build.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    const imagingDir = built.stdout.trim().split('\n').at(-1)!;
    timings.push(`setup: imaging environment ${Date.now() - started} ms`);

    work = await lab.makeWork('marrow-imaging-e2e-');
    gpt = await buildSourceDisk(join(work, 'reference.img'), { label: 'gpt', sizeMiB: 256, ntfsMiB: 160, dataMiB: 24, seed: 42 });
    timings.push(`setup: reference disk ${Date.now() - started} ms`);
    site = await lab.startSite({
      imagingDir,
      // A hung job must end the VM well before the test gives up on it.
      kernelArgs: 'console=ttyS0 panic=-1 marrow.timeout=400',
      adminPassword: `imaging-e2e-${process.pid}-${Date.now()}`,
    });
    entityId = (await site.api<{ items: { id: string }[] }>('get', '/v1/entities')).items[0]!.id;
    timings.push(`setup: total ${Date.now() - started} ms`);
  }));

  afterAll(() => lab.tearDown());

  const diagnostics = (run: VmRun | undefined, note = '') => lab.diagnostics(run, note, { serial: 60, dnsmasq: 10, edge: 40 });

  async function boot(name: string, mac: string, disk: string, qemuArgs: string[] = [], tap?: string): Promise<VmRun> {
    return lab.bootVm({ name, mac, firmware: 'bios', disk, qemuArgs, until: END, awaitPoweroff: true, timeoutMs: 420_000, ...(tap ? { tap } : {}) });
  }

  /** Polls an API resource until `done` says so (or a terminal failure shows). */
  async function poll<T>(path: string, done: (body: T) => boolean, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    let body = await site.api<T>('get', path);
    while (!done(body) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      body = await site.api<T>('get', path);
    }
    return body;
  }

  const finished = (t: { state: string }) => ['done', 'failed', 'cancelled'].includes(t.state);

  async function registerMachine(mac: string, hostname: string): Promise<{ id: string }> {
    return site.api<{ id: string }>('post', '/v1/machines', { entityId, mac, hostname });
  }

  /** Backs up `disk` as machine `mac` through an API backup request; returns the backup image id. */
  async function backUp(name: string, machineId: string, mac: string, disk: string): Promise<string> {
    const request = await site.api<{ id: string }>('post', '/v1/backup-requests', { machineId, description: `e2e ${name}` });
    await site.call({ cmd: 'sync' });
    const run = await boot(name, mac, disk);
    expect(cleanSerial(run.serial), await diagnostics(run, 'expected the backup to succeed')).toContain('MARROW-OK backup');
    const result = await poll<Task & { backupImageId: string | null }>(`/v1/backup-requests/${request.id}`, finished);
    expect(result, await diagnostics(run, 'expected the backup request to end done')).toMatchObject({ state: 'done' });
    expect(result.backupImageId).toBeTruthy();
    return result.backupImageId!;
  }

  /** Files of the S3 archive (s3rver's directory) under the masters bucket. */
  async function archivedChunks(): Promise<number> {
    const root = join(work, 'marrow', 'host', 's3');
    let count = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory()) await walk(join(dir, entry.name));
        else if (join(dir, entry.name).includes('/chunks/') && !entry.name.startsWith('.')) count++;
      }
    };
    await walk(root);
    return count;
  }

  let masterId: string;
  let referenceMachineId: string;

  it('1. backs up the reference machine (GPT: NTFS + ext4) from a backup request in the API', async () => {
    lab.watchFailures();
    const started = Date.now();
    referenceMachineId = (await registerMachine(MAC.reference, 'reference-pc')).id;
    const disk = join(work, 'vm-a.img');
    await copyFile(gpt.path, disk);
    const backupImageId = await backUp('a-backup', referenceMachineId, MAC.reference, disk);
    const backup = await site.api<{ state: string; sizeBytes: number; compressedSizeBytes: number }>('get', `/v1/backup-images/${backupImageId}`);
    expect(backup.state).toBe('ready');
    expect(backup.compressedSizeBytes).toBeGreaterThan(1024 * 1024);
    expect(backup.compressedSizeBytes).toBeLessThan(gpt.sizeBytes); // used blocks only, compressed
    expect(await archivedChunks()).toBeGreaterThan(0);
    // Capturing reads the disk and writes nothing to it.
    expect(Buffer.compare(await readFile(disk), await readFile(gpt.path))).toBe(0);
    masterId = (await site.api<{ id: string }>('post', `/v1/backup-images/${backupImageId}/promote`, { description: 'Windows-like reference (e2e)' })).id;
    timings.push(`1: scenario ${Date.now() - started} ms`);
  });

  it('2. deploys the master to lab-042 with post-imaging scripts: same table, same files, its name and OEM key in unattend.xml', async () => {
    lab.watchFailures();
    expect(masterId).toBeTruthy();
    const started = Date.now();
    const machine = await registerMachine(MAC.lab042, 'lab-042');
    await site.api('post', '/v1/answer-files', {
      name: 'corp',
      description: 'Corporate unattend (e2e)',
      content: [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<unattend xmlns="urn:schemas-microsoft-com:unattend">',
        '  <settings pass="specialize">',
        '    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">',
        '      <ComputerName>*</ComputerName>',
        '    </component>',
        '  </settings>',
        '</unattend>',
        '',
      ].join('\n'),
    });
    const script = await site.api<{ id: string }>('post', '/v1/post-imaging-scripts', {
      name: 'Windows first boot',
      lines: ['MountSystem', 'CopySysprep corp', 'CopyRunAtOnce', 'UseOEMBiosLicence'],
    });
    const deployment = await site.api<{ id: string }>('post', '/v1/deployments', { masterId, machineIds: [machine.id], postImagingScriptIds: [script.id] });
    await site.call({ cmd: 'sync' });

    const disk = join(work, 'vm-b.img');
    await writeFile(disk, '');
    await truncate(disk, gpt.sizeBytes);
    const msdm = join(work, 'msdm.bin');
    await writeFile(msdm, msdmBody(OEM_KEY));
    const run = await boot('b-deploy', MAC.lab042, disk, ['-acpitable', `sig=MSDM,rev=3,oem_id=MARROW,oem_table_id=E2EKEY,data=${msdm}`]);
    expect(cleanSerial(run.serial), await diagnostics(run, 'expected the deploy to succeed')).toContain('MARROW-OK deploy');
    const tasks = await poll<{ items: Task[] }>(`/v1/deployments/${deployment.id}/tasks`, (b) => b.items.every(finished));
    expect(tasks.items[0], await diagnostics(run, 'expected the task to end done')).toMatchObject({ state: 'done' });
    expect((await site.api<{ state: string }>('get', `/v1/deployments/${deployment.id}`)).state).toBe('finished');

    expect(await partitionTable(disk)).toBe(await partitionTable(gpt.path));
    const [sourceNtfs, targetNtfs] = [await mountPartition(gpt.path, gpt.ntfs, 'ntfs', true), await mountPartition(disk, gpt.ntfs, 'ntfs', true)];
    try {
      const added = (path: string) => /^Windows\/(Panther\/unattend\.xml|Setup(\/Scripts(\/SetupComplete\.cmd)?)?)$/.test(path);
      expect(treeDifferences(await treeDigest(sourceNtfs.dir), await treeDigest(targetNtfs.dir), added)).toEqual([]);
      const unattend = await readFile(join(targetNtfs.dir, 'Windows/Panther/unattend.xml'), 'utf8');
      expect(unattend).toContain('<ComputerName>lab-042</ComputerName>');
      expect(unattend).toContain(OEM_KEY);
      const setupComplete = await readFile(join(targetNtfs.dir, 'Windows/Setup/Scripts/SetupComplete.cmd'), 'latin1');
      expect(setupComplete.toLowerCase()).toContain('unattend.xml');
    } finally {
      await sourceNtfs.unmount();
      await targetNtfs.unmount();
    }
    await expectSameExt4(gpt, disk);
    // partclone.ntfs does not write the backup boot sector; the client copies it.
    await expectNtfsHealthy(disk, gpt);
    timings.push(`2: scenario ${Date.now() - started} ms`);
  });

  it('3. a master v2 with a few MB changed: a site holding v1 syncs only the new chunks', async () => {
    lab.watchFailures();
    expect(masterId).toBeTruthy();
    const started = Date.now();
    const v1 = await site.call<CacheSyncResult>({ cmd: 'freshCacheSync', masterId });
    expect(v1.report.downloadedBytes).toBe(v1.wholeBytes);

    // v2: 4 files of System32 rewritten (640 KiB) and 2 MiB of new files.
    const disk = join(work, 'vm-a2.img');
    await copyFile(gpt.path, disk);
    const windows = await mountPartition(disk, gpt.ntfs, 'ntfs', false);
    try {
      const system32 = join(windows.dir, 'Windows/System32');
      const files = (await readdir(system32)).filter((name) => name.startsWith('file')).slice(0, 4);
      for (const [i, name] of files.entries()) await writeFile(join(system32, name), randomBytes(160 * 1024 + i));
      await mkdir(join(windows.dir, 'Program Files/Contoso App/2.0'), { recursive: true });
      await writeFile(join(windows.dir, 'Program Files/Contoso App/2.0/update.bin'), randomBytes(2 * 1024 * 1024));
    } finally {
      await windows.unmount();
    }
    const backupImageId = await backUp('a2-backup-v2', referenceMachineId, MAC.reference, disk);
    // Published as version 2 of the same master: same label, same menu entry.
    const published = await site.api<{ id: string; versions: unknown[] }>('post', `/v1/masters/${masterId}/versions`, { backupImageId });
    expect(published.versions).toHaveLength(2);
    const master2 = published.id;

    const v2 = await site.call<CacheSyncResult>({ cmd: 'freshCacheSync', masterId: master2 });
    timings.push(`3: v1 ${v1.wholeBytes} B; v2 ${v2.wholeBytes} B, the cache holding v1 downloaded ${v2.report.downloadedBytes} B in ${v2.report.downloaded}/${v2.report.chunks} chunks`);
    // Exactly the chunks v1 did not have: their count, and for each its delta against v1's
    // chunks (the capture found v1 as its parent) or, when it has none, its compressed bytes.
    const known = new Set(v1.chunks.map((c) => c.h));
    const fresh = v2.chunks.filter((c) => !known.has(c.h));
    expect(fresh.length).toBeGreaterThan(0);
    expect(v2.report).toMatchObject({ downloaded: fresh.length, alreadyCached: v2.chunks.length - fresh.length, deltaFallbacks: 0 });
    expect(v2.report.deltaChunks).toBe(fresh.filter((c) => c.d).length);
    expect(v2.report.downloadedBytes).toBe(fresh.reduce((sum, c) => sum + (c.d ?? c.c), 0));
    expect(v2.report.alreadyCached).toBeGreaterThan(0);
    // 2.6 MiB of new content moves a few chunks, not the image: partclone's own checksums
    // would change every chunk after the first change (backup.sh captures with -a0).
    expect(v2.report.downloadedBytes).toBeLessThan(v2.wholeBytes / 2);
    // A second pass has nothing left to move.
    expect((await site.call<CacheSyncResult>({ cmd: 'freshCacheSync', masterId: master2 })).report.downloadedBytes).toBe(0);
    timings.push(`3: scenario ${Date.now() - started} ms`);
  });

  let mbr: SourceDisk;
  let mbrMasterId: string;

  it('4. an MBR disk goes through backup and deploy the same way', async () => {
    lab.watchFailures();
    const started = Date.now();
    mbr = await buildSourceDisk(join(work, 'mbr-reference.img'), { label: 'dos', sizeMiB: 128, ntfsMiB: 80, dataMiB: 8, seed: 7 });
    const source = await registerMachine(MAC.mbrSource, 'mbr-reference');
    const sourceDisk = join(work, 'vm-c.img');
    await copyFile(mbr.path, sourceDisk);
    const backupImageId = await backUp('c-backup-mbr', source.id, MAC.mbrSource, sourceDisk);
    const master = await site.api<{ id: string }>('post', `/v1/backup-images/${backupImageId}/promote`, { description: 'MBR reference (e2e)' });
    mbrMasterId = master.id;
    const target = await registerMachine(MAC.mbrTarget, 'mbr-target');
    const deployment = await site.api<{ id: string }>('post', '/v1/deployments', { masterId: master.id, machineIds: [target.id] });
    await site.call({ cmd: 'sync' });
    const disk = join(work, 'vm-d.img');
    await writeFile(disk, '');
    await truncate(disk, mbr.sizeBytes);
    const run = await boot('d-deploy-mbr', MAC.mbrTarget, disk);
    expect(cleanSerial(run.serial), await diagnostics(run, 'expected the deploy to succeed')).toContain('MARROW-OK deploy');
    const tasks = await poll<{ items: Task[] }>(`/v1/deployments/${deployment.id}/tasks`, (b) => b.items.every(finished));
    expect(tasks.items[0]).toMatchObject({ state: 'done' });
    await expectSameDisk(mbr, disk);
    timings.push(`4: scenario ${Date.now() - started} ms`);
  });

  it('5. a multicast deployment: two machines boot at once and receive each partition from one udpcast session', async () => {
    lab.watchFailures();
    expect(mbrMasterId).toBeTruthy();
    const started = Date.now();
    const machines = [await registerMachine(MAC.multicastA, 'mc-a'), await registerMachine(MAC.multicastB, 'mc-b')];
    const deployment = await site.api<{ id: string }>('post', '/v1/deployments', { masterId: mbrMasterId, machineIds: machines.map((m) => m.id), mode: 'multicast' });
    await site.call({ cmd: 'sync' });
    const disks = [join(work, 'vm-e.img'), join(work, 'vm-f.img')];
    for (const disk of disks) {
      await writeFile(disk, '');
      await truncate(disk, mbr.sizeBytes);
    }
    await lab.addTap('tap1');
    const runs = await Promise.all([boot('e-multicast', MAC.multicastA, disks[0]!), boot('f-multicast', MAC.multicastB, disks[1]!, [], 'tap1')]);
    for (const run of runs) expect(cleanSerial(run.serial), await diagnostics(run, 'expected the multicast deploy to succeed')).toContain('MARROW-OK deploy');
    const tasks = await poll<{ items: Task[] }>(`/v1/deployments/${deployment.id}/tasks`, (b) => b.items.every(finished));
    expect(tasks.items.map((t) => t.state)).toEqual(['done', 'done']);
    // Each partition went out once, by udpcast, to both machines.
    const edgeLog = site.log();
    for (const { number } of [mbr.ntfs, mbr.ext4]) {
      expect(edgeLog, await diagnostics(runs[0], `expected partition ${number} to go out by multicast`)).toMatch(new RegExp(`${deployment.id}/${mbrMasterId}/${number} on port \\d+: transfer started`));
    }
    for (const run of runs) expect(cleanSerial(run.serial) + edgeLog).not.toContain('over HTTP (');
    for (const disk of disks) await expectSameDisk(mbr, disk);
    timings.push(`5: scenario ${Date.now() - started} ms`);
  });

  /** The deployed disk has the source's partition table, and the same files on NTFS and ext4. */
  async function expectSameDisk(source: SourceDisk, disk: string): Promise<void> {
    expect(await partitionTable(disk)).toBe(await partitionTable(source.path));
    const [a, b] = [await mountPartition(source.path, source.ntfs, 'ntfs', true), await mountPartition(disk, source.ntfs, 'ntfs', true)];
    try {
      expect(treeDifferences(await treeDigest(a.dir), await treeDigest(b.dir))).toEqual([]);
    } finally {
      await a.unmount();
      await b.unmount();
    }
    await expectSameExt4(source, disk);
  }

  async function expectSameExt4(source: SourceDisk, disk: string): Promise<void> {
    const [a, b] = [await mountPartition(source.path, source.ext4, 'ext4', true), await mountPartition(disk, source.ext4, 'ext4', true)];
    try {
      expect(treeDifferences(await treeDigest(a.dir), await treeDigest(b.dir))).toEqual([]);
    } finally {
      await a.unmount();
      await b.unmount();
    }
  }

  async function expectNtfsHealthy(disk: string, layout: SourceDisk): Promise<void> {
    const loop = await attachPartition(disk, layout.ntfs, true);
    try {
      const { stdout } = await exec('ntfsfix', ['-n', loop.device]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      expect(stdout).toMatch(/Checking the alternate boot sector\.\.\. OK/);
    } finally {
      await loop.detach();
    }
  }
});

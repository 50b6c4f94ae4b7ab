import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress as zstdCompress } from 'zstd-napi';
import { uniqueChunks, type Manifest } from '@marrow/shared';
import { ControlPlaneClient } from '../../edge/src/catalogue/control-plane-client';
import { loadIdentity, type EdgeIdentity } from '../../edge/src/catalogue/credential-store';
import { runImportMaster, type CommandIo } from '../../edge/src/cli/import-master-command';
import { credentialFile } from '../../edge/src/config/edge-config';
import type { RunningEdge } from '../../edge/src/daemon';
import { ChunkStore } from '../../edge/src/imagecache/chunk-store';
import { syncMaster } from '../../edge/src/imagecache/master-sync';
import { rebuildStream } from '../../edge/src/imagecache/rebuild-stream';
import { ImportAbortedError } from '../../edge/src/import/import-error';
import { importMaster } from '../../edge/src/import/import-master';
import { planRawImport } from '../../edge/src/import/import-plan';
import { findProgram } from '../../edge/src/lifecycle/find-program';
import { mixedDiskData } from '../../bench/support/mixed-disk-data';
import { bootSession } from '../support/edge-boot';
import { startTestSite, type AdminCall, type TestSite } from '../support/local-stack';

/**
 * `marrow-edge import-master` on an enrolled edge against the embedded control plane: a GPT
 * disk image built without root (sfdisk and mkfs.ext4 on regular files) becomes a master whose
 * manifest carries the image's own partition table, and whose partitions deploy back byte for
 * byte — from the edge, and from the archive alone. Partclone images (when partclone is
 * installed) go the same way and restore with partclone.
 */
const sfdisk = findProgram('sfdisk');
const mkfsExt4 = findProgram('mkfs.ext4');
const partcloneExtfs = findProgram('partclone.extfs');
const MAC = '52:54:00:77:00:01';
const MiB = 1 << 20;

let site: TestSite;
let dir: string;
let edge: RunningEdge;
let admin: AdminCall;
let edgeDir: string;
let identity: EdgeIdentity;
let machineId: string;

interface Disk {
  path: string;
  /** Byte ranges of the partitions, by number. */
  ranges: Map<number, { start: number; length: number }>;
  /** The ext4 filesystem written into partition 1 (when mkfs.ext4 exists). */
  ext4?: Buffer;
}

/** A 48 MiB GPT disk image: 1 ext4 (16 MiB), 2 mixed data (8 MiB), 3 an NTFS-looking partition (the rest). */
async function buildDisk(path: string): Promise<Disk> {
  await writeFile(path, '');
  await truncate(path, 48 * MiB);
  execFileSync(sfdisk!, ['-q', path], { input: 'label: gpt\nfirst-lba: 2048\n,16M,L\n,8M,L\n,,EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n' });
  const json = JSON.parse(execFileSync(sfdisk!, ['--json', path], { encoding: 'utf8' })) as { partitiontable: { partitions: { start: number; size: number }[] } };
  const ranges = new Map(json.partitiontable.partitions.map((p, i) => [i + 1, { start: p.start * 512, length: p.size * 512 }]));
  const file = await open(path, 'r+');
  let ext4: Buffer | undefined;
  try {
    if (mkfsExt4) {
      const fsFile = `${path}.ext4`;
      await writeFile(fsFile, '');
      await truncate(fsFile, ranges.get(1)!.length);
      execFileSync(mkfsExt4, ['-q', '-F', '-d', resolve(import.meta.dirname, '../../edge/src/import'), fsFile], { stdio: 'ignore' });
      ext4 = await readFile(fsFile);
      await file.write(ext4, 0, ext4.length, ranges.get(1)!.start);
    } else {
      const filler = mixedDiskData(4 * MiB);
      await file.write(filler, 0, filler.length, ranges.get(1)!.start);
    }
    const second = mixedDiskData(ranges.get(2)!.length);
    await file.write(second, 0, second.length, ranges.get(2)!.start);
    const boot = Buffer.alloc(512);
    boot.write('\xebR\x90NTFS    ', 0, 'latin1');
    boot.writeUInt16BE(0x55aa, 510);
    const third = Buffer.concat([boot, randomBytes(2 * MiB)]);
    await file.write(third, 0, third.length, ranges.get(3)!.start);
  } finally {
    await file.close();
  }
  return { path, ranges, ...(ext4 ? { ext4 } : {}) };
}

async function rangeOf(disk: Disk, number: number): Promise<Buffer> {
  const { start, length } = disk.ranges.get(number)!;
  return (await readFile(disk.path)).subarray(start, start + length);
}

function capture(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { program: 'marrow-edge import-master', out: (l) => lines.push(l), err: (l) => errors.push(l), progress: { write: () => undefined, isTTY: false }, env: {}, lines, errors };
}

async function importRaw(file: string, extra: string[] = [], io = capture(), signal?: AbortSignal) {
  const result = await runImportMaster(['--raw', file, '--machine', MAC, '--data-dir', edgeDir, '--quiet', ...extra], io, signal);
  return { ...result, io };
}

const bootToken = async (mac: string) => (await bootSession(edge.httpUrl, mac)).token;

/** Every partition of a master rebuilt from the archive alone, into an empty cache: proves each chunk was uploaded. */
async function rebuildFromArchive(manifest: Manifest): Promise<Map<number, Buffer>> {
  const store = await ChunkStore.open(await mkdtemp(join(dir, 'empty-cache-')), 1e10);
  const controlPlane = new ControlPlaneClient(identity);
  const fetchChunk = async (ref: { h: string }) => {
    const url = (await controlPlane.chunkDownloadUrls([ref.h])).get(ref.h)!;
    return Buffer.from(await (await fetch(url)).arrayBuffer());
  };
  const streams = new Map<number, Buffer>();
  for (const partition of manifest.partitions) {
    const parts: Buffer[] = [];
    for await (const part of rebuildStream(partition.chunks, store, fetchChunk)) parts.push(part);
    streams.set(partition.number, Buffer.concat(parts));
  }
  return streams;
}

beforeAll(async () => {
  site = await startTestSite('marrow-import-');
  ({ dir, edgeDir, admin, edge } = site);
  identity = (await loadIdentity(credentialFile({ dataDir: edgeDir })))!;
  const general = (await admin('get', '/v1/entities')).body.items[0].id;
  machineId = (await admin('post', '/v1/machines', { entityId: general, mac: MAC, hostname: 'ref-pc' })).body.id;
  await edge.sync.syncNow();
});

afterAll(() => site?.close());

describe.skipIf(!sfdisk)('import-master from a raw disk image', () => {
  let disk: Disk;
  let masterId: string;
  let manifest: Manifest;

  beforeAll(async () => {
    disk = await buildDisk(join(dir, 'disk.img'));
  });

  it('turns the image into a master with its description, its own partition table and its filesystems', async () => {
    const { code, report, io } = await importRaw(disk.path, ['--description', 'Windows 11 golden (imported)', '--in-default-startup-menu']);
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    masterId = report!.masterId;
    const imageBytes = [...disk.ranges.values()].reduce((sum, r) => sum + r.length, 0);
    expect(report).toMatchObject({ inputBytes: imageBytes, streamBytes: imageBytes, uploadedChunks: report!.uniqueChunks });
    expect(report!.uniqueChunks).toBeGreaterThan(3);
    expect(io.lines.join('\n')).toContain(`Master "${report!.masterLabel}" (${masterId}) is ready: "Windows 11 golden (imported)"`);
    const master = (await admin('get', `/v1/masters/${masterId}`)).body;
    expect(master).toMatchObject({ description: 'Windows 11 golden (imported)', inDefaultStartupMenu: true, label: report!.masterLabel });
    expect(master.compressedSizeBytes).toBe(report!.compressedSizeBytes);
    const backup = (await admin('get', `/v1/backup-images/${report!.backupImageId}`)).body;
    expect(backup).toMatchObject({ machineId, state: 'ready', description: 'Windows 11 golden (imported)' });

    manifest = await new ControlPlaneClient(identity).masterManifest(masterId);
    expect(manifest.disk.partitionTable).toBe(execFileSync(sfdisk!, ['--dump', disk.path], { encoding: 'utf8' }));
    expect(manifest.disk).toMatchObject({ label: 'gpt', sizeBytes: 48 * MiB, sectorSize: 512 });
    expect(manifest.machineId).toBeUndefined();
    expect(manifest.partitions.map((p) => [p.number, p.tool, p.filesystem, p.startSector, p.sizeBytes])).toEqual([
      [1, 'dd', mkfsExt4 ? 'ext4' : 'raw', 2048, 16 * MiB],
      [2, 'dd', 'raw', 2048 + 16 * 2048, 8 * MiB],
      [3, 'dd', 'ntfs', 2048 + 24 * 2048, disk.ranges.get(3)!.length],
    ]);
  });

  it('deploys every partition back byte for byte, from the edge and from the archive alone', async () => {
    // The running edge adopts what the import stored in the cache it shares: nothing to download.
    expect(await syncMaster(masterId, edge.cache, new ControlPlaneClient(identity))).toMatchObject({ downloaded: 0, chunks: uniqueChunks(manifest).length });
    await edge.sync.syncNow();
    const token = await bootToken(MAC);
    const fromArchive = await rebuildFromArchive(manifest);
    for (const partition of manifest.partitions) {
      const expected = await rangeOf(disk, partition.number);
      const stream = await fetch(`${edge.httpUrl}/imaging/deploy/partitions/${partition.number}?master=${masterId}`, { headers: { authorization: `Bearer ${token}` } });
      expect(stream.status).toBe(200);
      const bytes = Buffer.from(await stream.arrayBuffer());
      expect(bytes.equals(expected), `partition ${partition.number} from the edge`).toBe(true);
      expect(fromArchive.get(partition.number)!.equals(expected), `partition ${partition.number} from the archive`).toBe(true);
      expect(createHash('sha256').update(expected).digest('hex')).toBe(partition.streamSha256);
    }
  });

  it('uploads nothing the second time: every chunk is in the cache and in the archive already', async () => {
    const { code, report } = await importRaw(disk.path, ['--description', 'again']);
    expect(code).toBe(0);
    expect(report).toMatchObject({ newChunks: 0, uploadedChunks: 0, uploadedBytes: 0 });
    expect(report!.masterId).not.toBe(masterId);
  });

  it('registers nothing when interrupted, and a re-run reuses the chunks the interrupted one stored', async () => {
    const other = await buildDisk(join(dir, 'other.img'));
    const before = (await admin('get', '/v1/backup-images')).body.items.length;
    const interrupt = new AbortController();
    const interrupted = importMaster({
      plan: await planRawImport(other.path),
      tenantId: identity.tenantId,
      machineId,
      description: 'never registered',
      inDefaultStartupMenu: false,
      store: await ChunkStore.open(join(edgeDir, 'cache'), 1e10, { removeLeftovers: false }),
      controlPlane: new ControlPlaneClient(identity),
      signal: interrupt.signal,
      // Ctrl-C once 20 MiB are read: partition 1 is stored, partition 2 is under way.
      onProgress: (p) => p.inputBytesDone >= 20 * MiB && interrupt.abort(),
    });
    await expect(interrupted).rejects.toBeInstanceOf(ImportAbortedError);
    expect((await admin('get', '/v1/backup-images')).body.items.length).toBe(before);
    // The command says so, with exit code 130.
    const io = capture();
    const stopped = await runImportMaster(['--raw', other.path, '--machine', MAC, '--data-dir', edgeDir], io, AbortSignal.abort());
    expect(stopped.code).toBe(130);
    expect(io.errors[0]).toContain('interrupted: nothing was registered');
    expect((await admin('get', '/v1/backup-images')).body.items.length).toBe(before);

    const { code, report } = await importRaw(other.path);
    expect(code).toBe(0);
    // Chunks of this image that the first one did not have: the interrupted run stored some of them already.
    const known = new Set(manifest.partitions.flatMap((p) => p.chunks.map((c) => c.h)));
    const fresh = uniqueChunks(await new ControlPlaneClient(identity).masterManifest(report!.masterId)).filter((c) => !known.has(c.h));
    expect(report!.newChunks).toBeGreaterThan(0);
    expect(report!.newChunks).toBeLessThan(fresh.length);
    expect(report!.uploadedChunks).toBe(fresh.length);
    expect((await admin('get', '/v1/backup-images')).body.items.length).toBe(before + 1);
  });

  it('explains each wrong input in one line, registering nothing', async () => {
    const before = (await admin('get', '/v1/backup-images')).body.items.length;
    const notDisk = join(dir, 'random.bin');
    await writeFile(notDisk, randomBytes(MiB));
    const truncated = join(dir, 'truncated.img');
    await writeFile(truncated, (await readFile(disk.path)).subarray(0, 30 * MiB));
    const gz = join(dir, 'disk.img.gz');
    await writeFile(gz, gzipSync(await readFile(disk.path)));
    const table = join(dir, 'table.txt');
    await writeFile(table, execFileSync(sfdisk!, ['--dump', disk.path], { encoding: 'utf8' }));
    const cases: [string[], string][] = [
      [['--raw', join(dir, 'nope.img')], `disk image ${join(dir, 'nope.img')} does not exist`],
      [['--raw', notDisk], `${notDisk} has no partition table: it is not an MBR or GPT disk image`],
      [['--raw', truncated], `${truncated} is truncated: its GPT describes a disk of ${48 * MiB} bytes, the file has ${30 * MiB}`],
      [['--raw', gz], 'is gzip-compressed: a raw disk image must be read as it is on disk'],
      [['--partition-table', table, '--partition', `9=${notDisk}`], `--partition 9: ${table} has no partition 9 (it has 1, 2, 3)`],
      [['--partition-table', table, '--partition', `1=${notDisk}`], `has partition(s) 2, 3 with no image`],
      [['--partition-table', notDisk, '--partition', `1=${notDisk}`], 'not an sfdisk --dump partition table'],
    ];
    for (const [args, message] of cases) {
      const io = capture();
      const { code } = await runImportMaster([...args, '--machine', MAC, '--data-dir', edgeDir], io);
      expect(code, args.join(' ')).toBe(1);
      expect(io.errors, args.join(' ')).toHaveLength(1);
      expect(io.errors[0], args.join(' ')).toContain(message);
      expect(io.errors[0]).not.toMatch(/\n\s+at /);
    }
    const machineless = capture();
    expect((await runImportMaster(['--raw', disk.path, '--machine', 'nobody-pc', '--data-dir', edgeDir], machineless)).code).toBe(1);
    expect(machineless.errors[0]).toContain('no machine "nobody-pc" among the');
    expect((await admin('get', '/v1/backup-images')).body.items.length).toBe(before);
  });

  it('says when the edge is not enrolled or the control plane cannot be reached', async () => {
    const empty = join(dir, 'not-enrolled');
    await mkdir(empty);
    const io = capture();
    expect((await runImportMaster(['--raw', disk.path, '--machine', MAC, '--data-dir', empty], io)).code).toBe(1);
    expect(io.errors[0]).toContain(`this edge is not enrolled (no credential in ${empty})`);
    const offline = join(dir, 'offline');
    await mkdir(offline);
    await writeFile(credentialFile({ dataDir: offline }), JSON.stringify({ ...identity, controlPlaneUrl: 'http://127.0.0.1:9' }));
    const down = capture();
    expect((await runImportMaster(['--raw', disk.path, '--machine', MAC, '--data-dir', offline], down)).code).toBe(1);
    expect(down.errors).toHaveLength(1);
    expect(down.errors[0]).toContain('cannot reach the control plane at http://127.0.0.1:9');
    const usage = capture();
    expect((await runImportMaster(['--raw', disk.path], usage)).code).toBe(2);
    expect(usage.errors[0]).toContain('--machine is required');
    const spec = capture();
    expect((await runImportMaster(['--partition-table', disk.path, '--partition', 'sda1.pc', '--machine', MAC], spec)).code).toBe(2);
    expect(spec.errors[0]).toContain('--partition wants N=FILE[:tool], not "sda1.pc"');
  });

  it('runs as a program: `marrow import-master` and `marrow-edge import-master`, with exit codes', async () => {
    const run = (bin: string, args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        const child = spawn(process.execPath, [resolve(import.meta.dirname, bin), ...args], { env: { ...process.env, MARROW_EDGE_DATA_DIR: edgeDir } });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.stderr.on('data', (d: Buffer) => (err += d));
        child.on('close', (code) => done({ code, out, err }));
      });
    const ok = await run('../../bin/marrow.js', ['import-master', '--raw', disk.path, '--machine', 'REF-PC', '--description', 'through the bin']);
    expect(ok.err).not.toContain('marrow import-master:');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/Master ".+" \(ms_[0-9A-Z]{26}\) is ready: "through the bin"/);
    expect(ok.out).toMatch(/chunks +\d+ unique, 0 new in the edge cache, 0 uploaded/);
    expect(ok.err).toMatch(/reading partition 1: \d+%/); // not a TTY: plain progress lines
    const missing = await run('../../edge/bin/marrow-edge.js', ['import-master', '--raw', join(dir, 'nope.img'), '--machine', MAC]);
    expect(missing.code).toBe(1);
    expect(missing.err.trim()).toBe(`marrow-edge import-master: disk image ${join(dir, 'nope.img')} does not exist`);
    const wrong = await run('../../edge/bin/marrow-edge.js', ['import-master', '--raw']);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('usage: marrow-edge import-master');
    expect(wrong.err).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!sfdisk || !partcloneExtfs || !mkfsExt4)('import-master from partclone images and an sfdisk dump', () => {
  it('restores the ext4 filesystem with partclone from the master, and the raw partitions as they were', async () => {
    const disk = await buildDisk(join(dir, 'pc-disk.img'));
    const table = join(dir, 'pc-table.txt');
    await writeFile(table, execFileSync(sfdisk!, ['--dump', disk.path], { encoding: 'utf8' }));
    const pc = join(dir, 'sda1.pc');
    execFileSync(partcloneExtfs!, ['-c', '-s', `${disk.path}.ext4`, '-o', pc, '-L', join(dir, 'partclone.log')], { stdio: 'ignore' });
    const image = await readFile(pc);
    await writeFile(`${pc}.zst`, zstdCompress(image));
    await writeFile(join(dir, 'sda2.img.gz'), gzipSync(await rangeOf(disk, 2)));
    // Partition 3 as a raw image split in two, the way Clonezilla splits big images.
    const third = await rangeOf(disk, 3);
    await writeFile(join(dir, 'sda3.img.aa'), third.subarray(0, 5 * MiB));
    await writeFile(join(dir, 'sda3.img.ab'), third.subarray(5 * MiB));

    const io = capture();
    const { code, report } = await runImportMaster(
      ['--partition-table', table, '--partition', `1=${pc}.zst`, '--partition', `2=${join(dir, 'sda2.img.gz')}:dd`, '--partition', `3=${join(dir, 'sda3.img.aa')}`, '--machine', machineId, '--data-dir', edgeDir, '--quiet'],
      io,
    );
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const manifest = await new ControlPlaneClient(identity).masterManifest(report!.masterId);
    expect(manifest.disk.partitionTable).toBe(execFileSync(sfdisk!, ['--dump', disk.path], { encoding: 'utf8' }));
    expect(manifest.partitions.map((p) => [p.number, p.tool, p.filesystem, p.streamBytes])).toEqual([
      [1, 'partclone.extfs', 'ext4', image.length],
      [2, 'dd', 'raw', 8 * MiB],
      [3, 'dd', 'ntfs', third.length],
    ]);
    expect(manifest.partitions[0]!.usedBytes).toBeLessThan(manifest.partitions[0]!.sizeBytes);

    const streams = await rebuildFromArchive(manifest);
    expect(streams.get(1)!.equals(image)).toBe(true);
    expect(streams.get(2)!.equals(await rangeOf(disk, 2))).toBe(true);
    expect(streams.get(3)!.equals(third)).toBe(true);
    // What the imaging environment does with it: partclone.extfs -r onto the partition.
    const rebuilt = join(dir, 'rebuilt.pc');
    const restored = join(dir, 'restored.ext4');
    await writeFile(rebuilt, streams.get(1)!);
    await writeFile(restored, '');
    await truncate(restored, disk.ranges.get(1)!.length);
    execFileSync(partcloneExtfs!, ['-r', '-s', rebuilt, '-O', restored, '-L', join(dir, 'restore.log')], { stdio: 'ignore' });
    expect((await readFile(restored)).equals(disk.ext4!)).toBe(true);
  });
});

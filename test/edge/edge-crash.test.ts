import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueChunks, type Manifest } from '@marrow/shared';
import { ChunkDecoder } from '../../edge/src/imagecache/chunk-codec';
import { ControlPlaneClient } from '../../edge/src/catalogue/control-plane-client';
import { loadIdentity, saveIdentity } from '../../edge/src/catalogue/credential-store';
import { enrol } from '../../edge/src/catalogue/enrol';
import { listAll } from '../../lambdas/src/ports/catalogue-store';
import type { LocalHost } from '../../lambdas/src/local/local-host';
import { fetchBootScript, sessionToken } from '../support/edge-boot';
import { startTestStack, type AdminCall } from '../support/local-stack';
import { waitFor } from '../support/free-port';

/**
 * The edge as a real process, killed with SIGKILL in the middle of a capture and of a master
 * sync: nothing becomes half-visible (no backup image, no partial chunk file), every chunk
 * left on disk verifies, a restart on the same data directory is clean, the capture can be
 * done again and deploys back byte for byte, and the sync resumes with only what was missing.
 */
const bin = resolve(import.meta.dirname, '../../edge/bin/marrow-edge.js');
const MiB = 1 << 20;
const STREAM_BYTES = 192 * MiB;
const MAC = '52:54:00:77:00:01';
const HASH = /^[0-9a-f]{64}$/;

let dir: string;
let host: LocalHost;
let admin: AdminCall;
let tenantId: string;
let entityId: string;
let machineId: string;
const edges: EdgeProcess[] = [];

// ---------------------------------------------------------------------------------------
// A disk-like stream, deterministic and made on the fly: pseudo-random runs (AES-CTR of a
// fixed key: incompressible, unique), text-like runs (compress well) and zero runs (dedupe).

function* diskStream(total: number): Generator<Buffer> {
  const key = Buffer.alloc(32, 0x4d);
  const words = 'Windows System32 Panther unattend ComputerName registry driver service update component manifest '.split(' ');
  let made = 0;
  for (let turn = 0; made < total; turn++) {
    const size = Math.min(total - made, [3, 2, 1][turn % 3]! * MiB + (turn % 7) * 65_536);
    let part: Buffer;
    if (turn % 3 === 0) {
      const iv = Buffer.alloc(16);
      iv.writeUInt32BE(turn, 0);
      part = createCipheriv('aes-256-ctr', key, iv).update(Buffer.alloc(size));
    } else if (turn % 3 === 1) {
      const line = Array.from({ length: 61 }, (_, i) => words[(i * 7 + turn) % words.length]).join(' ') + `\n${turn}\n`;
      part = Buffer.alloc(size, line);
    } else part = Buffer.alloc(size);
    for (let at = 0; at < part.length; at += MiB) yield part.subarray(at, at + MiB);
    made += size;
  }
}

function streamSha256(total: number): string {
  const hash = createHash('sha256');
  for (const piece of diskStream(total)) hash.update(piece);
  return hash.digest('hex');
}

/** The stream as a request body, pulled as the edge takes it (so `sent` is what actually left). */
function streamBody(total: number, progress: { sent: number }): ReadableStream<Uint8Array> {
  const pieces = diskStream(total);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.next();
      if (next.done) controller.close();
      else {
        progress.sent += next.value.length;
        controller.enqueue(next.value);
      }
    },
  });
}

// ---------------------------------------------------------------------------------------
// `marrow-edge` as a child process.

function edgeEnv(dataDir: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MARROW_EDGE_')));
  return {
    ...inherited,
    MARROW_EDGE_DATA_DIR: dataDir,
    MARROW_EDGE_HTTP_ADDRESS: '127.0.0.1',
    MARROW_EDGE_HTTP_PORT: '0',
    MARROW_EDGE_TFTP_ENABLED: 'false',
    MARROW_EDGE_PROXYDHCP_ENABLED: 'false',
    MARROW_EDGE_IPXE_DIR: join(dataDir, 'no-ipxe'),
    MARROW_EDGE_SNAPSHOT_POLL_SECONDS: '1',
  };
}

class EdgeProcess {
  output = '';
  url = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private done = false;

  private constructor(
    readonly dataDir: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.output += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.output += text));
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        this.done = true;
        resolveExit({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return !this.done;
  }

  /** `marrow-edge run` on a data directory; resolves once HTTP is serving. */
  static async start(dataDir: string): Promise<EdgeProcess> {
    const edge = new EdgeProcess(dataDir, spawn(process.execPath, [bin, 'run'], { env: edgeEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] }));
    edges.push(edge);
    await waitFor(
      'the edge to start',
      async () => {
        if (!edge.running) throw new Error(`the edge exited:\n${edge.output}`);
        return edge.output.includes('is running.') ? true : undefined;
      },
      30_000,
      50,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- edge output ---\n${edge.output}`);
    });
    edge.url = /HTTP boot serving (\S+)\/boot\.ipxe/.exec(edge.output)![1]!;
    return edge;
  }

  /** A crash: SIGKILL, no chance to clean up. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    expect((await this.exited).signal).toBe('SIGKILL');
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    expect((await this.exited).code).toBe(0);
  }

  async waitForOutput(text: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(`"${text}" from the edge`, async () => (this.output.includes(text) ? true : undefined), timeoutMs, 50);
  }
}

/** What `marrow-edge enroll CODE --url URL` does, with a code the API issues for a new imaging server of the entity. */
async function enrolEdge(dataDir: string, name: string): Promise<string> {
  const server = await admin('post', '/v1/imaging-servers', { entityId, name });
  expect(server.status).toBe(201);
  await saveIdentity(join(dataDir, 'credential.json'), await enrol(host.apiUrl, server.body.enrolmentCode));
  return server.body.id;
}

// ---------------------------------------------------------------------------------------
// The cache on disk, as a crash left it.

async function cacheFiles(dataDir: string): Promise<{ chunks: string[]; leftovers: string[] }> {
  const root = join(dataDir, 'cache', 'chunks');
  const chunks: string[] = [];
  const leftovers: string[] = [];
  for (const prefix of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(join(root, prefix)).catch(() => [] as string[])) {
      if (HASH.test(name) && name.startsWith(prefix)) chunks.push(name);
      else leftovers.push(join(prefix, name));
    }
  }
  return { chunks, leftovers };
}

/** Every chunk file decompresses and hashes to its name; returns their compressed sizes. */
async function verifyCache(dataDir: string): Promise<Map<string, number>> {
  const decoder = new ChunkDecoder();
  const sizes = new Map<string, number>();
  for (const hash of (await cacheFiles(dataDir)).chunks) {
    const compressed = await readFile(join(dataDir, 'cache', 'chunks', hash.slice(0, 2), hash));
    decoder.decodeNamed(hash, compressed);
    sizes.set(hash, compressed.length);
  }
  return sizes;
}

/** Polls fast (a crash is timed on observed progress, not on a sleep). */
async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// ---------------------------------------------------------------------------------------
// The imaging client's calls.

const call = (edge: EdgeProcess, token: string, method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${edge.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, ...(body !== undefined ? { body } : {}) });

/** A PXE boot of the machine: the session token of the script the edge renders, once it offers `mode`. */
async function boot(edge: EdgeProcess, mode: string, masterId?: string): Promise<string> {
  return waitFor(`a boot offering ${mode}`, async () => {
    const token = sessionToken(await fetchBootScript(edge.url, MAC));
    if (!token) return undefined;
    const session = (await (await call(edge, token, 'GET', '/imaging/session')).json()) as { modes: string[]; masterIds: string[] };
    if (!session.modes.includes(mode) || (masterId && !session.masterIds.includes(masterId))) return undefined;
    return token;
  }, 15_000, 100);
}

const capturePartition = (edge: EdgeProcess, token: string, progress: { sent: number }) =>
  fetch(`${edge.url}/imaging/capture/partitions/1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'x-marrow-tool': 'dd', 'x-marrow-filesystem': 'raw', 'x-marrow-start-sector': '2048' },
    body: streamBody(STREAM_BYTES, progress),
    duplex: 'half',
  } as RequestInit);

const backupsOfMachine = async () => (await admin('get', `/v1/backup-images?machineId=${machineId}`)).body.items as { id: string; state: string }[];

// ---------------------------------------------------------------------------------------

let expectedSha: string;
let edgeA: EdgeProcess;
let serverA: string;
const dirA = () => join(dir, 'edge-a');
const dirB = () => join(dir, 'edge-b');
const timings: Record<string, number> = {};

beforeAll(async () => {
  const started = Date.now();
  dir = await mkdtemp(join(tmpdir(), 'marrow-edge-crash-'));
  ({ host, admin, tenantId } = await startTestStack(dir));
  entityId = (await admin('get', '/v1/entities')).body.items[0].id;
  machineId = (await admin('post', '/v1/machines', { entityId, mac: MAC, hostname: 'crash-pc' })).body.id;
  expectedSha = streamSha256(STREAM_BYTES);
  serverA = await enrolEdge(dirA(), 'site-a');
  edgeA = await EdgeProcess.start(dirA());
  timings.setup = Date.now() - started;
});

afterAll(async () => {
  for (const edge of edges) if (edge.running) await edge.kill().catch(() => undefined);
  await host?.close();
  await rm(dir, { recursive: true, force: true });
  console.log(`edge-crash observations (ms, leftover counts): ${JSON.stringify(timings)}`);
});

describe('an edge process killed with SIGKILL', () => {
  let oldToken: string;
  let keptChunks: number;

  it('leaves no backup image and only whole, verified chunk files', async () => {
    const started = Date.now();
    oldToken = await boot(edgeA, 'backup');
    expect((await call(edgeA, oldToken, 'POST', '/imaging/capture/partition-table', 'label: dos\n/dev/vda1 : start=2048, type=7\n')).status).toBe(204);
    const progress = { sent: 0 };
    const put = capturePartition(edgeA, oldToken, progress).then(
      (response) => response,
      (error: Error) => error,
    );
    let settled = false;
    void put.then(() => (settled = true));
    await until('chunks of the capture on disk', async () => settled || (await cacheFiles(dirA())).chunks.length >= 12);
    expect(settled, 'the capture finished before the kill').toBe(false);
    const sentBeforeKill = progress.sent;
    await edgeA.kill();
    expect(sentBeforeKill).toBeLessThan(STREAM_BYTES);
    expect(await put).toBeInstanceOf(Error);

    // Nothing half-visible in the cloud.
    expect(await backupsOfMachine()).toEqual([]);
    // Whatever chunk file exists is a whole one.
    const verified = await verifyCache(dirA());
    keptChunks = verified.size;
    expect(keptChunks).toBeGreaterThanOrEqual(12);
    timings.killedCapture = Date.now() - started;
    timings.leftoversAfterCaptureKill = (await cacheFiles(dirA())).leftovers.length;
  }, 60_000);

  it('restarts cleanly on the same data directory, clears leftovers, and refuses the lost session', async () => {
    const started = Date.now();
    edgeA = await EdgeProcess.start(dirA());
    expect(edgeA.output).not.toMatch(/marrow-edge:|Error/);
    expect((await cacheFiles(dirA())).leftovers).toEqual([]);
    expect((await verifyCache(dirA())).size).toBe(keptChunks);

    // The client carries on with its token from before the crash: that session is gone, and says so.
    const complete = await call(edgeA, oldToken, 'POST', '/imaging/capture/complete', JSON.stringify({ label: 'dos', sizeBytes: STREAM_BYTES + MiB }), {
      'content-type': 'application/json',
    });
    expect(complete.status).toBe(401);
    expect(((await complete.json()) as { error: { message: string } }).error.message).toMatch(/no valid imaging session: PXE-boot the machine again/);
    const put = await call(edgeA, oldToken, 'PUT', '/imaging/capture/partitions/1', 'x', { 'x-marrow-tool': 'dd' });
    expect(put.status).toBe(401);
    expect(await backupsOfMachine()).toEqual([]);
    timings.restart = Date.now() - started;
  }, 60_000);

  let backupImageId: string;

  it('captures again after a new boot into a ready backup that deploys back byte for byte', async () => {
    let started = Date.now();
    const token = await boot(edgeA, 'backup');
    expect((await call(edgeA, token, 'POST', '/imaging/capture/partition-table', 'label: dos\n/dev/vda1 : start=2048, type=7\n')).status).toBe(204);
    const put = await capturePartition(edgeA, token, { sent: 0 });
    expect(put.status).toBe(200);
    const ingested = (await put.json()) as { streamBytes: number; chunks: number; newChunks: number };
    expect(ingested.streamBytes).toBe(STREAM_BYTES);
    // The chunks the killed capture left behind are reused, not written again.
    expect(ingested.newChunks).toBeLessThan(ingested.chunks);
    const done = await call(edgeA, token, 'POST', '/imaging/capture/complete', JSON.stringify({ label: 'dos', sizeBytes: STREAM_BYTES + MiB, sectorSize: 512 }), {
      'content-type': 'application/json',
    });
    expect(done.status, await done.clone().text()).toBe(200);
    backupImageId = ((await done.json()) as { backupImageId: string }).backupImageId;
    expect((await admin('get', `/v1/backup-images/${backupImageId}`)).body).toMatchObject({ state: 'ready', sizeBytes: STREAM_BYTES });
    expect((await backupsOfMachine()).map((b) => b.id)).toEqual([backupImageId]);
    timings.capture = Date.now() - started;

    started = Date.now();
    const master = (await admin('post', `/v1/backup-images/${backupImageId}/promote`, { inDefaultStartupMenu: true })).body as { id: string };
    const deployToken = await boot(edgeA, 'deploy', master.id);
    const stream = await call(edgeA, deployToken, 'GET', `/imaging/deploy/partitions/1?master=${master.id}`);
    expect(stream.status).toBe(200);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const piece of stream.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(piece);
      bytes += piece.length;
    }
    expect(bytes).toBe(STREAM_BYTES);
    expect(hash.digest('hex')).toBe(expectedSha);
    expect(stream.headers.get('x-marrow-stream-sha256')).toBe(expectedSha);
    timings.deploy = Date.now() - started;
  }, 60_000);

  it('a master sync killed mid-download resumes on restart and fetches only what was missing', async () => {
    let started = Date.now();
    // The site gets a new appliance with an empty cache: the old one leaves, the new one serves the entity.
    await edgeA.stop();
    expect((await admin('delete', `/v1/imaging-servers/${serverA}`)).status).toBe(204);
    const serverB = await enrolEdge(dirB(), 'site-b');
    let edgeB = await EdgeProcess.start(dirB());
    await edgeB.waitForOutput('MQTT connected');

    // Publishing a master makes the control plane send the serving edge a sync-master command.
    const master = (await admin('post', `/v1/backup-images/${backupImageId}/promote`, {})).body as { id: string };
    await until('chunks of the master on the new edge', async () => (await cacheFiles(dirB())).chunks.length >= 6);
    await edgeB.kill();
    timings.killedSync = Date.now() - started;

    const identity = (await loadIdentity(join(dirB(), 'credential.json')))!;
    const manifest: Manifest = await new ControlPlaneClient(identity).masterManifest(master.id);
    const chunks = uniqueChunks(manifest);
    const totalBytes = chunks.reduce((sum, c) => sum + c.c, 0);
    const kept = await verifyCache(dirB());
    expect(kept.size).toBeGreaterThanOrEqual(6);
    expect(kept.size, 'the sync finished before the kill').toBeLessThan(chunks.length);
    const known = new Set(chunks.map((c) => c.h));
    expect([...kept.keys()].every((h) => known.has(h))).toBe(true);
    const command = async () =>
      (await listAll(host.deps.store, tenantId, 'edgeCommand', { group: serverB })).find((r) => r.command.type === 'sync-master' && r.command.masterId === master.id);
    expect((await command())?.state).toBe('pending');
    timings.leftoversAfterSyncKill = (await cacheFiles(dirB())).leftovers.length;

    // Restart: the pending command comes back (pulled at connection) and the sync resumes.
    started = Date.now();
    edgeB = await EdgeProcess.start(dirB());
    expect(edgeB.output).toContain(`command ${(await command())!.command.id} (sync-master) was interrupted by the last stop`);
    expect((await cacheFiles(dirB())).leftovers).toEqual([]);
    const acked = await waitFor(
      'the sync-master acknowledgement',
      async () => {
        const record = await command();
        return record?.state !== 'pending' && /chunk\(s\) downloaded/.test(record?.ackMessage ?? '') ? record : undefined;
      },
      30_000,
      100,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await command())}\n--- edge output ---\n${edgeB.output}`);
    });
    expect(acked.state).toBe('done');
    const report = /(\d+) chunk\(s\) downloaded \((\d+) bytes\), (\d+) already cached/.exec(acked.ackMessage!)!;
    const [downloaded, downloadedBytes, alreadyCached] = [Number(report[1]), Number(report[2]), Number(report[3])];
    expect(alreadyCached).toBe(kept.size);
    expect(downloaded).toBe(chunks.length - kept.size);
    const keptBytes = [...kept.values()].reduce((a, b) => a + b, 0);
    expect(downloadedBytes).toBe(totalBytes - keptBytes);
    expect(downloadedBytes).toBeLessThan(totalBytes);

    // Every chunk of the master is on the site now, and each is the one the manifest names.
    const decoder = new ChunkDecoder();
    for (const ref of chunks) decoder.decode(ref, await readFile(join(dirB(), 'cache', 'chunks', ref.h.slice(0, 2), ref.h)));
    expect((await verifyCache(dirB())).size).toBe(chunks.length);
    await edgeB.stop();
    timings.resumedSync = Date.now() - started;
  }, 60_000);
});

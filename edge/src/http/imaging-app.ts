import { ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import {
  MANIFEST_SCHEMA_VERSION,
  taskErrorSchema,
  taskProgressSchema,
  type DeploymentTaskState,
  type TaskProgress,
  type ChunkRef,
  type Manifest,
  type PartitionImage,
} from '@marrow/shared';
import type { ControlPlaneClient } from '../catalogue/control-plane-client';
import type { ArchiveFetches } from '../imagecache/archive-fetches';
import type { ChunkVerifier } from '../imagecache/chunk-decode-pool';
import type { ChunkStore } from '../imagecache/chunk-store';
import { ingestStream } from '../imagecache/ingest-stream';
import { rebuildStream } from '../imagecache/rebuild-stream';
import { uploadCapture } from '../imagecache/upload-capture';
import type { MulticastSenders } from '../multicast/multicast-senders';
import { createImagingFilesApp } from './imaging-files';
import { sendStream } from './send-stream';
import { postImagingScriptOf, type ImagingMode, type ImagingSession, type ImagingSessions } from '../tasks/imaging-sessions';
import type { TelemetryAgent } from '../telemetry/telemetry-agent';

export interface ImagingAppDeps {
  sessions: ImagingSessions;
  cache: ChunkStore;
  /** Decompresses and verifies the chunks of deploy streams (the edge's worker threads); on the event loop when absent. */
  decoder?: ChunkVerifier;
  /** Fetches the chunks a deploy needs and the cache lacks (shared with master syncs). */
  fetches: ArchiveFetches;
  controlPlane: ControlPlaneClient;
  tenantId: string;
  telemetry: () => TelemetryAgent | undefined;
  /** Called after a registration, so the next boot of that machine already sees it (a snapshot sync). */
  onRegistered?: () => Promise<void>;
  /** udpcast sessions for multicast deployments; without it they stream over HTTP. */
  multicast?: MulticastSenders;
}

const TOOLS = new Set<PartitionImage['tool']>(['partclone.ntfs', 'partclone.extfs', 'partclone.fat', 'partclone.btrfs', 'partclone.xfs', 'dd']);

interface CaptureState {
  partitionTable: string | null;
  partitions: PartitionImage[];
}

/**
 * What the imaging environment's client talks to on the edge: its session, progress
 * reports, capture intake (partition streams cut into chunks as they arrive) and deploy
 * streams rebuilt from the cache. Every call carries the boot's one-time session token.
 */
export function createImagingApp(deps: ImagingAppDeps): Hono {
  const app = new Hono();
  const captures = new Map<string, CaptureState>();

  const session = (c: Context, mode?: ImagingMode): ImagingSession => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const found = deps.sessions.get(token);
    if (!found) throw new SessionError(401, 'no valid imaging session: PXE-boot the machine again');
    if (mode && !found.modes.includes(mode)) throw new SessionError(403, `this boot was not offered "${mode}"`);
    return found;
  };
  app.onError((error, c) => {
    if (error instanceof SessionError) return c.json({ error: { message: error.message } }, error.status);
    console.warn(`imaging: ${error.message}`);
    return c.json({ error: { message: error.message } }, 500);
  });

  // ?master=ID (the master chosen in the menu, marrow.master): postImagingScript is that master's.
  app.get('/imaging/session', (c) => {
    const s = session(c);
    const postImagingScript = postImagingScriptOf(s, c.req.query('master') || undefined);
    if (!postImagingScript) throw new SessionError(403, 'this boot was not offered that master');
    return c.json({
      modes: s.modes,
      mac: s.mac,
      hostname: s.hostname,
      machineId: s.machineId,
      deploymentId: s.deploymentId,
      backupRequestId: s.backupRequestId,
      masterIds: s.masterIds,
      postImagingScript,
      multicast: s.multicast !== null,
    });
  });

  app.post('/imaging/progress', async (c) => {
    const s = session(c);
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const telemetry = deps.telemetry();
    if (s.deploymentId) {
      const report = taskReportFrom(body, s.modes);
      if (s.machineId && telemetry) telemetry.recordEvent({ type: 'task-progress', deploymentId: s.deploymentId, machineId: s.machineId, ...report });
      // Its deployment's next multicast sessions do not wait for a machine that is over.
      if (s.multicast && (report.state === 'failed' || report.state === 'done')) deps.multicast?.machineEnded(s.deploymentId, s.machineId ?? s.mac);
    }
    if (s.backupRequestId && s.machineId && telemetry) {
      const report = taskReportFrom(body, s.modes);
      // A backup request is done only with its backup image, which /imaging/capture/complete reports.
      if (report.state !== 'done') telemetry.recordEvent({ type: 'backup-request-progress', backupRequestId: s.backupRequestId, machineId: s.machineId, ...report });
    }
    return c.body(null, 204);
  });

  app.post('/imaging/register', async (c) => {
    const s = session(c, 'register');
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const result = await deps.controlPlane.registerMachine({ mac: s.mac, uuid: uuidOf(body.uuid), inventory: inventoryFrom(body) });
    await deps.onRegistered?.().catch(() => undefined);
    deps.sessions.end(s.token);
    return c.json(result);
  });

  app.post('/imaging/capture/partition-table', async (c) => {
    const s = session(c, 'backup');
    const state = captures.get(s.token) ?? { partitionTable: null, partitions: [] };
    state.partitionTable = (await c.req.text()).slice(0, 64 * 1024);
    captures.set(s.token, state);
    return c.body(null, 204);
  });

  app.put('/imaging/capture/partitions/:number', async (c) => {
    const s = session(c, 'backup');
    const number = Number(c.req.param('number'));
    const tool = c.req.header('x-marrow-tool') as PartitionImage['tool'];
    if (!Number.isInteger(number) || number < 1 || !TOOLS.has(tool)) throw new SessionError(400, 'a partition number and a known X-Marrow-Tool are required');
    const body = c.req.raw.body;
    if (!body) throw new SessionError(400, 'the partition stream is empty');
    const result = await ingestStream(body as unknown as AsyncIterable<Uint8Array>, deps.cache);
    const state = captures.get(s.token) ?? { partitionTable: null, partitions: [] };
    state.partitions = state.partitions.filter((p) => p.number !== number);
    state.partitions.push({
      number,
      startSector: Number(c.req.header('x-marrow-start-sector') ?? 0),
      sizeBytes: Number(c.req.header('x-marrow-size-bytes') ?? result.streamBytes),
      filesystem: (c.req.header('x-marrow-filesystem') ?? 'raw').slice(0, 32),
      tool,
      usedBytes: Number(c.req.header('x-marrow-used-bytes') ?? result.streamBytes),
      streamBytes: result.streamBytes,
      streamSha256: result.streamSha256,
      chunks: result.chunks,
    });
    captures.set(s.token, state);
    return c.json({ streamBytes: result.streamBytes, chunks: result.chunks.length, newChunks: result.newChunks.length });
  });

  app.post('/imaging/capture/complete', async (c) => {
    const s = session(c, 'backup');
    const state = captures.get(s.token);
    if (!state?.partitionTable || !s.machineId) throw new SessionError(409, 'send the partition table and the partitions first');
    const disk = (await c.req.json().catch(() => ({}))) as { label?: string; sizeBytes?: number; sectorSize?: number };
    const manifest: Manifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      tenantId: deps.tenantId,
      createdAt: new Date().toISOString(),
      machineId: s.machineId,
      disk: {
        label: disk.label === 'gpt' || disk.label === 'dos' ? disk.label : 'none',
        sizeBytes: Number(disk.sizeBytes ?? 0),
        sectorSize: Number(disk.sectorSize ?? 512),
        partitionTable: state.partitionTable,
      },
      partitions: state.partitions.sort((a, b) => a.number - b.number),
    };
    const report = await uploadCapture(manifest, s.machineId, `Captured ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`, deps.cache, deps.controlPlane);
    captures.delete(s.token);
    deps.sessions.end(s.token);
    if (s.backupRequestId) {
      const bytes = manifest.partitions.reduce((sum, p) => sum + p.streamBytes, 0);
      deps.telemetry()?.recordEvent({
        type: 'backup-request-progress',
        backupRequestId: s.backupRequestId,
        machineId: s.machineId,
        state: 'done',
        progress: { phase: 'report', bytesDone: bytes, bytesTotal: bytes, rateBytesPerSecond: 0 },
        backupImageId: report.backupImageId,
      });
    }
    return c.json(report);
  });

  app.get('/imaging/deploy/manifest', async (c) => {
    const s = session(c, 'deploy');
    const masterId = c.req.query('master') ?? s.masterIds[0];
    if (!masterId || !s.masterIds.includes(masterId)) throw new SessionError(403, 'this boot was not offered that master');
    return c.json(await deps.controlPlane.masterManifest(masterId));
  });

  /** The partition of the master this boot deploys (?master=ID), and its stream rebuilt from the cache. */
  const deployPartition = async (c: Context, s: ImagingSession) => {
    const masterId = c.req.query('master') ?? s.masterIds[0];
    if (!masterId || !s.masterIds.includes(masterId)) throw new SessionError(403, 'this boot was not offered that master');
    const manifest = await deps.controlPlane.masterManifest(masterId);
    const partition = manifest.partitions.find((p) => p.number === Number(c.req.param('number')));
    if (!partition) throw new SessionError(404, 'no such partition in this master');
    // From a delta when its bases are here; joined with a master sync fetching the same chunk.
    const fetchMissing = async (ref: ChunkRef) => (await deps.fetches.fetch(ref)).compressed;
    return { masterId, partition, fetchMissing };
  };

  // A machine of a multicast deployment joins the partition's udpcast session (or is told to
  // stream it over HTTP: no multicast here, or the transfer began before it came).
  app.post('/imaging/deploy/partitions/:number/multicast', async (c) => {
    const s = session(c, 'deploy');
    if (!s.multicast || !s.deploymentId) return c.json({ unicast: true, reason: 'this boot is not part of a multicast deployment' });
    if (!deps.multicast) return c.json({ unicast: true, reason: 'multicast is off on this imaging server (no udp-sender or no site interface: see its log)' });
    const { masterId, partition, fetchMissing } = await deployPartition(c, s);
    // Decoded on the event loop (no pool buffers to hand back): udpcast, not decoding, sets the pace.
    const answer = deps.multicast.join({ deploymentId: s.deploymentId, masterId, partition: partition.number }, s.machineId ?? s.mac, s.multicast.receivers, () =>
      rebuildStream(partition.chunks, deps.cache, fetchMissing),
    );
    return c.json(answer);
  });

  app.get('/imaging/deploy/partitions/:number', async (c) => {
    const s = session(c, 'deploy');
    const { partition, fetchMissing } = await deployPartition(c, s);
    const stream = rebuildStream(partition.chunks, deps.cache, fetchMissing, deps.decoder ? { verifier: deps.decoder } : {});
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(partition.streamBytes), 'x-marrow-stream-sha256': partition.streamSha256 };
    const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
    if (outgoing instanceof ServerResponse) {
      // Served by @hono/node-server: write the chunks to the socket ourselves, so that each
      // chunk's memory goes back to the decode pool once written.
      // A stream that cannot start (its first chunk) still gets an ordinary error response.
      const first = await stream.next();
      const recycle = deps.decoder?.recycle?.bind(deps.decoder);
      void sendStream(outgoing, 200, headers, startingWith(first, stream), recycle).then((error) => {
        if (error) console.warn(`imaging: deploy stream of partition ${partition.number} cut short: ${error.message}`);
      });
      return RESPONSE_ALREADY_SENT;
    }
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await stream.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await stream.return(undefined);
      },
    });
    return c.body(body, 200, headers);
  });

  // Answer files, agents and driver sets for the post-imaging scripts of deploy boots.
  app.route('/', createImagingFilesApp({ controlPlane: deps.controlPlane, session }));

  return app;
}

class SessionError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** A generator's first result, then the rest of it; stopping early stops it too (its pins go). */
async function* startingWith<T>(first: IteratorResult<T>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  try {
    if (first.done) return;
    yield first.value;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/**
 * The client reports steps in its own words ({phase: "deploy-partition-2", state: "running"};
 * {phase: "deploy", state: "done"} when the whole job is over; an error with its log tail).
 * The edge turns them into the task's state and progress as the contract defines them.
 */
export function taskReportFrom(
  body: Record<string, unknown>,
  modes: readonly ImagingMode[],
): { state: DeploymentTaskState; progress?: TaskProgress; error?: { message: string; logTail: string } } {
  const phase = typeof body.phase === 'string' ? body.phase : '';
  const error = taskErrorSchema.safeParse(body.error);
  if (error.success || body.state === 'failed') {
    return { state: 'failed', error: error.success ? error.data : { message: `failed during ${phase || 'imaging'}`, logTail: '' } };
  }
  const finished = body.state === 'done' && (modes as readonly string[]).includes(phase);
  const taskPhase: TaskProgress['phase'] =
    /partition-table/.test(phase)
      ? 'partition-table'
      : /deploy-partition|restore/.test(phase)
        ? 'restore'
        : /capture/.test(phase)
          ? 'capture'
          : /post/.test(phase)
            ? 'post-scripts'
            : finished
              ? 'report'
              : 'boot';
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
  const progress = taskProgressSchema.safeParse({
    phase: taskPhase,
    bytesDone: Math.round(number(body.bytesDone)),
    bytesTotal: Math.round(number(body.bytesTotal)),
    rateBytesPerSecond: number(body.rateBytesPerSecond),
  });
  const state: DeploymentTaskState = finished ? 'done' : taskPhase === 'post-scripts' ? 'post-scripts' : 'imaging';
  return { state, ...(progress.success ? { progress: progress.data } : {}) };
}

/** The client's inventory (lib/common.sh inventory_json) in the catalogue's words; what does not fit is dropped. */
function inventoryFrom(body: Record<string, unknown>): Record<string, unknown> {
  const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() ? value.replace(/[\p{Cc}]/gu, ' ').trim().slice(0, max) : undefined);
  const disks = Array.isArray(body.disks)
    ? body.disks
        .filter((d): d is { name: unknown; sizeBytes: unknown } => typeof d === 'object' && d !== null)
        .map((d) => ({ name: text(d.name, 64) ?? 'disk', sizeBytes: typeof d.sizeBytes === 'number' && d.sizeBytes >= 0 ? Math.floor(d.sizeBytes) : 0 }))
        .slice(0, 64)
    : undefined;
  const inventory: Record<string, unknown> = {
    manufacturer: text(body.vendor, 100),
    model: text(body.model, 100),
    serialNumber: text(body.serial, 100),
    biosVersion: text(body.biosVersion, 100),
    cpu: text(body.cpu, 200),
    memoryBytes: typeof body.memoryBytes === 'number' && body.memoryBytes >= 0 ? Math.floor(body.memoryBytes) : undefined,
    disks,
  };
  return Object.fromEntries(Object.entries(inventory).filter(([, v]) => v !== undefined));
}

function uuidOf(value: unknown): string | null {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? value.toLowerCase() : null;
}

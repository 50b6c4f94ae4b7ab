import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { renderBootScript, type CatalogueSnapshot } from '@marrow/shared';
import type { WakeLog } from '../tasks/wake-log';
import type { ImagingMode, ImagingSession, ImagingSessions } from '../tasks/imaging-sessions';

export interface BootAppOptions {
  /** The current catalogue snapshot (undefined until the first one arrives). */
  snapshot: () => CatalogueSnapshot | undefined;
  wakeLog: WakeLog;
  /** How machines reach this server, e.g. "http://10.77.0.1:8080". */
  baseUrl: () => string;
  /** Where imaging sessions are minted for boots that may start the imaging environment. */
  sessions?: ImagingSessions;
  /** Told which machine fetched which script (field debugging). */
  log?: (message: string) => void;
  /** Directory with the imaging environment's vmlinuz and initrd.gz. */
  imagingDir?: string;
  kernelArgs: string;
}

const IMAGING_FILES = new Set(['vmlinuz', 'initrd.gz']);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * The HTTP half of PXE: iPXE scripts rendered per machine from the catalogue snapshot, and
 * the imaging environment's kernel and initramfs.
 */
export function createBootApp(options: BootAppOptions): Hono {
  const app = new Hono();

  app.get('/boot.ipxe', (c) => {
    const mac = c.req.query('mac')?.toLowerCase();
    const base = options.baseUrl();
    if (!mac) {
      // ProxyDHCP (or the site's DHCP) can only hand out a plain URL; iPXE fills in who it is
      // when it runs this first stage.
      return ipxe(c, [`chain ${base}/boot.ipxe?mac=\${net0/mac}&uuid=\${uuid}&arch=\${buildarch}&platform=\${platform}`]);
    }
    if (!MAC.test(mac)) return c.text('mac must look like 52:54:00:12:34:56\n', 400);
    const snapshot = options.snapshot();
    if (!snapshot) {
      // Never leave a machine stuck: say why and try again shortly.
      return ipxe(c, [
        'echo Marrow: this imaging server has not received its catalogue yet; retrying in 10 seconds',
        'sleep 10',
        `chain ${base}/boot.ipxe?mac=\${net0/mac}&uuid=\${uuid}&arch=\${buildarch}&platform=\${platform}`,
      ]);
    }
    const session = options.sessions?.mint(sessionFor(snapshot, mac));
    const script = renderBootScript(
      snapshot,
      {
        mac,
        uuid: c.req.query('uuid') ?? null,
        arch: c.req.query('arch') ?? null,
        platform: c.req.query('platform') ?? null,
        wokenByMarrow: options.wakeLog.wokenRecently(mac),
      },
      {
        baseUrl: base,
        kernelPath: '/imaging/vmlinuz',
        initrdPath: '/imaging/initrd.gz',
        kernelArgs: options.kernelArgs,
        ...(session ? { sessionToken: session.token } : {}),
      },
    );
    options.log?.(`boot script for ${mac}: ${script.includes('\nmenu ') ? 'menu' : script.includes('marrow.mode=') ? 'imaging environment' : 'first stage'}`);
    return c.body(script, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  });

  app.get('/imaging/:file{vmlinuz|initrd\\.gz}', async (c) => {
    const name = c.req.param('file');
    if (!options.imagingDir || !IMAGING_FILES.has(name)) return c.text('not found\n', 404);
    const path = join(options.imagingDir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return c.text(`the imaging environment has no ${name} yet\n`, 404);
    const stream = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return c.body(stream, 200, { 'content-type': 'application/octet-stream', 'content-length': String(info.size) });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok', snapshot: options.snapshot()?.version ?? null }));
  return app;
}

function ipxe(c: { body: (data: string, status: 200, headers: Record<string, string>) => Response }, body: string[]): Response {
  return c.body(['#!ipxe', ...body, ''].join('\n'), 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
}

/** What a boot of this machine may do in the imaging environment, from the same snapshot the menu comes from. */
function sessionFor(snapshot: CatalogueSnapshot, mac: string): Omit<ImagingSession, 'token' | 'expiresAt'> {
  const machine = snapshot.machines.find((m) => m.mac === mac);
  const task = snapshot.armedTasks.find((t) => t.mac === mac);
  const base = { mac, machineId: machine?.id ?? null, hostname: machine?.hostname ?? null, backupRequestId: null };
  if (task) {
    return {
      ...base,
      modes: [task.kind],
      deploymentId: task.deploymentId,
      backupRequestId: task.backupRequestId ?? null,
      masterIds: task.masterId ? [task.masterId] : [],
      postImagingScript: task.postImagingScript ?? [],
      postImagingScripts: {},
      // Every machine of the deployment is expected to join its sessions (udp-sender waits a bounded time for them).
      multicast: task.multicast && task.deploymentId ? { receivers: task.multicast.machines } : null,
    };
  }
  if (!machine) return { ...base, modes: ['register'], deploymentId: null, masterIds: [], postImagingScript: [], postImagingScripts: {}, multicast: null };
  const entity = snapshot.entities.find((e) => e.id === machine.entityId) ?? snapshot.entities[0]!;
  const enabled = new Set(entity.bootServices.filter((s) => s.enabled).map((s) => s.kind));
  const modes: ImagingMode[] = ['register'];
  if (enabled.has('backup')) modes.push('backup');
  if (enabled.has('diagnostics')) modes.push('diagnostics');
  const offered = enabled.has('deploy-master') ? entity.masters.filter((m) => m.inDefaultStartupMenu && m.version > 0) : [];
  if (offered.length) modes.push('deploy');
  // Each master offered runs its own post-imaging scripts (the client names the one chosen).
  const postImagingScripts = Object.fromEntries(offered.map((m) => [m.id, m.postImagingScript ?? []]));
  return { ...base, modes, deploymentId: null, masterIds: offered.map((m) => m.id), postImagingScript: [], postImagingScripts, multicast: null };
}

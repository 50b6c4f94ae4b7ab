import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { postImagingReferences, type EdgeFileDownload } from '@marrow/shared';
import { ControlPlaneError, type ControlPlaneClient } from '../catalogue/control-plane-client';
import { fetchableScriptLines, type ImagingMode, type ImagingSession } from '../tasks/imaging-sessions';

export interface ImagingFilesDeps {
  controlPlane: ControlPlaneClient;
  /** The boot's session from the request's bearer token (throws an error carrying its HTTP status). */
  session: (c: Context, mode?: ImagingMode) => ImagingSession;
  fetchImpl?: typeof fetch;
}

/**
 * What the post-imaging library fetches after a deploy (edge/imaging-env/client/post-imaging):
 * `CopySysprep NAME` → GET /imaging/answer-files/NAME, `CopyAgent [AGENT]` → GET
 * /imaging/agents/AGENT, `CopyDrivers` → GET /imaging/drivers.
 *
 * Only a deploy boot may fetch, and only what its own post-imaging script names (403 for the
 * rest): an armed deployment's lines; for a boot from the menu, those of the master named by
 * ?master=ID (the client's marrow.master), or without it those of every master the menu
 * offered (see fetchableScriptLines). An answer file may hold domain-join credentials (design
 * §6): it is served once per boot — a second request with the same session token gets 410
 * Gone. Agents and driver sets are streamed from the archive through a URL the control plane
 * signs (the edge holds no AWS credentials), and checked on the way: a file whose size or
 * SHA-256 is not the catalogue's is cut short, so the client's download fails instead of
 * installing it.
 */
export function createImagingFilesApp(deps: ImagingFilesDeps): Hono {
  const app = new Hono();
  const fetchImpl = deps.fetchImpl ?? fetch;
  /** Answer files each session was given (sessions are dropped with their boot, and so is this). */
  const answerFilesServed = new WeakMap<ImagingSession, Set<string>>();

  app.onError((error, c) => {
    const status = statusOf(error);
    if (status >= 500) console.warn(`imaging files: ${error.message}`);
    return c.json({ error: { message: error.message } }, status as 400);
  });

  app.get('/imaging/answer-files/:name', async (c) => {
    const s = deps.session(c, 'deploy');
    const name = c.req.param('name');
    // Hono answers HEAD with the GET handler: a HEAD must not spend the boot's one fetch.
    if (c.req.method === 'HEAD') throw new FileError(405, 'answer files are given to GET only, once per boot');
    if (!postImagingReferences(scriptLines(c, s)).answerFiles.includes(name)) {
      throw new FileError(403, `this boot's post-imaging script has no "CopySysprep ${name}" line`);
    }
    const served = answerFilesServed.get(s) ?? new Set<string>();
    answerFilesServed.set(s, served);
    if (served.has(name)) {
      throw new FileError(410, `answer file "${name}" was already given to this boot (it may hold domain-join credentials, so it is served once); PXE-boot the machine again to start over`);
    }
    served.add(name);
    try {
      const file = await deps.controlPlane.answerFile(name);
      return c.body(file.content, 200, { 'content-type': 'application/xml; charset=utf-8', 'cache-control': 'no-store' });
    } catch (error) {
      served.delete(name); // nothing was given: the client may try again
      throw error;
    }
  });

  app.get('/imaging/agents/:name', async (c) => {
    const s = deps.session(c, 'deploy');
    const name = c.req.param('name');
    if (!postImagingReferences(scriptLines(c, s)).agents.includes(name)) {
      throw new FileError(403, `this boot's post-imaging script does not copy agent "${name}" (no "CopyAgent${name === 'default' ? '' : ` ${name}`}" line)`);
    }
    return stream(c, await deps.controlPlane.agentDownload(name), fetchImpl);
  });

  app.get('/imaging/drivers', async (c) => {
    const s = deps.session(c, 'deploy');
    if (!postImagingReferences(scriptLines(c, s)).drivers) throw new FileError(403, "this boot's post-imaging script has no CopyDrivers line");
    if (!s.machineId) throw new FileError(409, 'this boot is not bound to a registered machine, so it has no entity and no driver set');
    return stream(c, await deps.controlPlane.driverSetDownload(s.machineId), fetchImpl);
  });

  return app;
}

/** The post-imaging lines whose files this request may fetch (403 for a master the boot was not offered). */
function scriptLines(c: Context, s: ImagingSession): string[] {
  const lines = fetchableScriptLines(s, c.req.query('master') || undefined);
  if (!lines) throw new FileError(403, 'this boot was not offered that master');
  return lines;
}

/** The file from its signed URL to the client, verified as it passes (see createImagingFilesApp). */
async function stream(c: Context, file: EdgeFileDownload, fetchImpl: typeof fetch): Promise<Response> {
  let upstream: Response;
  try {
    upstream = await fetchImpl(file.url, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    throw new FileError(502, `cannot reach the archive for ${file.fileName}: ${(error as Error).message}`);
  }
  if (!upstream.ok || !upstream.body) throw new FileError(502, `the archive answered ${upstream.status} for ${file.fileName}`);
  const hash = createHash('sha256');
  let bytes = 0;
  let held: Uint8Array | undefined;
  // The last piece is held back until the whole file is checked: a bad file never arrives whole.
  const verify = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      if (bytes > file.sizeBytes) return controller.error(new Error(`${file.fileName} is longer than the ${file.sizeBytes} bytes catalogued`));
      hash.update(chunk);
      if (held) controller.enqueue(held);
      held = chunk;
    },
    flush(controller) {
      const sha256 = hash.digest('hex');
      if (bytes !== file.sizeBytes || sha256 !== file.sha256) {
        console.warn(`imaging files: ${file.fileName} from the archive has ${bytes} bytes, SHA-256 ${sha256}; the catalogue says ${file.sizeBytes}, ${file.sha256}`);
        return controller.error(new Error(`${file.fileName} does not match its catalogued size and SHA-256`));
      }
      if (held) controller.enqueue(held);
    },
  });
  return c.body(upstream.body.pipeThrough(verify), 200, {
    'content-type': 'application/octet-stream',
    'content-length': String(file.sizeBytes),
    'content-disposition': `attachment; filename="${file.fileName}"`,
    'x-marrow-sha256': file.sha256,
    'cache-control': 'no-store',
  });
}

class FileError extends Error {
  constructor(
    readonly status: 403 | 404 | 405 | 409 | 410 | 502,
    message: string,
  ) {
    super(message);
  }
}

/** The status an error answers with: its own (session and file errors), the control plane's refusal, or 500. */
function statusOf(error: Error): number {
  if (error instanceof ControlPlaneError) {
    if (error.status === null) return 503;
    return error.status === 403 || error.status === 404 ? error.status : 502;
  }
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

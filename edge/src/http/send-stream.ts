import type { ServerResponse } from 'node:http';

/**
 * Writes a stream of buffers straight to a Node response: one write per buffer (deploy
 * chunks are 0.5–8 MiB), the next only after 'drain'. `written(buffer)` is called once the
 * socket no longer needs a buffer, so its memory can serve again (the Fetch-style body path
 * gives no such signal). Stops the source when the client goes away; a failing source cuts
 * the response short (the client sees fewer bytes than Content-Length) and is what this
 * resolves with.
 */
export async function sendStream(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  source: AsyncGenerator<Buffer>,
  written?: (buffer: Buffer) => void,
): Promise<Error | undefined> {
  let waiting: (() => void) | undefined;
  const wake = () => {
    const resume = waiting;
    waiting = undefined;
    resume?.();
  };
  res.on('drain', wake);
  res.on('close', wake);
  try {
    res.writeHead(status, headers);
    for await (const buffer of source) {
      if (res.destroyed) break; // the client went away: for-await stops the source
      const more = res.write(buffer, () => written?.(buffer));
      if (!more && !res.destroyed) await new Promise<void>((resolve) => (waiting = resolve));
      if (res.destroyed) break;
    }
    if (!res.destroyed) res.end();
    return undefined;
  } catch (error) {
    res.destroy(error as Error);
    return error as Error;
  } finally {
    res.off('drain', wake);
    res.off('close', wake);
  }
}

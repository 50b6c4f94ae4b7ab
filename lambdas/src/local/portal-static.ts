import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';

/**
 * Serves the portal (web/dist, built by `npm run build:web`) from the local host, at the
 * API's URL root: hashed assets cached for good, index.html revalidated on every load, any
 * other non-API path answered with index.html (client-side routes), and `/config.json`,
 * the portal's runtime configuration. In the cloud, S3 + CloudFront do the same
 * (infra/lib/portal-stack.ts).
 */
export type PortalConfig = { authMode: 'local' } | { authMode: 'cognito'; region: string; userPoolClientId: string };

export interface PortalOptions {
  /** The built portal; defaults to the repository's web/dist. */
  distDir?: string;
  config?: PortalConfig;
}

export const DEFAULT_PORTAL_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * What the portal's HTML may do: its own scripts and styles (Cloudscape sets inline style
 * attributes), its API on the same origin, nothing framed, nothing posted elsewhere.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Marrow</title></head>
<body style="font-family:sans-serif;padding:2em"><h1>The Marrow portal is not built</h1>
<p>Run <code>npm run build:web</code> (or restart with <code>npm start</code>, which builds it), then reload. The API is at <a href="/v1/health">/v1</a>.</p></body></html>`;

export function mountPortal(app: Hono, options: PortalOptions = {}): void {
  const root = resolve(options.distDir ?? DEFAULT_PORTAL_DIR);
  const config: PortalConfig = options.config ?? { authMode: 'local' };

  app.get('/config.json', (c) => {
    c.header('cache-control', REVALIDATE);
    return c.json(config);
  });

  app.get('*', async (c) => {
    const path = c.req.path;
    // API paths keep the API's JSON 404, never the portal's HTML.
    if (path === '/v1' || path.startsWith('/v1/')) return c.notFound();
    const file = resolveInside(root, path);
    if (file) {
      const info = await stat(file).catch(() => null);
      if (info?.isFile()) {
        return sendFile(c, file, info, path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);
      }
    }
    // A missing file (it has an extension) is a 404: answering a stale chunk request with HTML would only confuse the browser.
    if (extname(path) !== '') return c.text('not found', 404, { 'cache-control': REVALIDATE });
    const index = resolve(root, 'index.html');
    const info = await stat(index).catch(() => null);
    if (!info?.isFile()) return c.html(NOT_BUILT, 503, { 'cache-control': 'no-store' });
    return sendFile(c, index, info, REVALIDATE);
  });
}

/** The file a URL path names under root, or null for traversal, dot-files and odd paths. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter(Boolean);
  if (segments.some((s) => s.startsWith('.'))) return null; // also refuses "..": no traversal, no .vite/ manifest
  if (segments.length === 0) return null;
  const file = resolve(root, ...segments);
  return file.startsWith(root + sep) ? file : null;
}

async function sendFile(c: Context, file: string, info: { size: number; mtimeMs: number }, cacheControl: string): Promise<Response> {
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'cache-control': cacheControl, etag, 'content-type': type };
  if (type.startsWith('text/html')) headers['content-security-policy'] = PORTAL_CSP;
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  headers['content-length'] = String(info.size);
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  const stream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  return c.body(stream, 200, headers);
}

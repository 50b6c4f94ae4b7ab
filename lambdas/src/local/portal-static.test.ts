import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { mountPortal, resolveInside } from './portal-static';

const dist = mkdtempSync(join(tmpdir(), 'marrow-portal-static-'));
mkdirSync(join(dist, 'assets'));
mkdirSync(join(dist, '.vite'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
writeFileSync(join(dist, '.vite', 'manifest.json'), '{}');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** An app like createApp's: a JSON 404 for unknown routes, then the portal mounted after. */
function app(distDir = dist) {
  const hono = new Hono();
  hono.get('/v1/health', (c) => c.json({ status: 'ok' }));
  hono.notFound((c) => c.json({ error: { code: 'not-found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  mountPortal(hono, { distDir });
  return hono;
}

describe('portal static files', () => {
  it('serves index.html for the root and for client-side routes, revalidated, with a CSP', async () => {
    for (const path of ['/', '/masters', '/post-imaging-scripts/ps_01J9ZQ4T6W2R8X5Y7V3N1K0M9P']) {
      const response = await app().request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await response.text()).toContain('id="root"');
    }
  });

  it('caches hashed assets for good, and answers 304 to a matching ETag', async () => {
    const response = await app().request('/assets/index-abc123.js');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const again = await app().request('/assets/index-abc123.js', { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a missing file instead of HTML, and keeps the API JSON 404 under /v1', async () => {
    expect((await app().request('/assets/gone-123.js')).status).toBe(404);
    const api = await app().request('/v1/nope');
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: { code: 'not-found' } });
    expect((await app().request('/v1/health')).status).toBe(200);
  });

  it('gives the runtime configuration at /config.json', async () => {
    const response = await app().request('/config.json');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.json()).toEqual({ authMode: 'local' });
  });

  it('refuses traversal and dot-files', async () => {
    expect(resolveInside(dist, '/../package.json')).toBeNull();
    expect(resolveInside(dist, '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveInside(dist, '/.vite/manifest.json')).toBeNull();
    expect(resolveInside(dist, '/assets/..%5c..%5cx')).toBeNull();
    expect(resolveInside(dist, '/assets/index-abc123.js')).toBe(join(dist, 'assets', 'index-abc123.js'));
    expect((await app().request('/.vite/manifest.json')).status).toBe(404);
  });

  it('says how to build the portal when web/dist is missing', async () => {
    const response = await app(join(dist, 'nothing-here')).request('/masters');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:web');
  });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * `npm run size:web`: the production bundle of the portal (web/dist, build it first), gzip
 * sizes of what the first load fetches (what index.html references: the entry, its
 * modulepreloads and stylesheets) and of everything, for docs/benchmarks.md.
 */
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!));
const assets = readdirSync(join(dist, 'assets')).map((name) => `assets/${name}`);

interface Size {
  raw: number;
  gzip: number;
}
const sizeOf = (file: string): Size => {
  const bytes = readFileSync(join(dist, file));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const sum = (files: Iterable<string>, ext: string): Size => {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    if (!file.endsWith(ext)) continue;
    const size = sizeOf(file);
    raw += size.raw;
    gzip += size.gzip;
  }
  return { raw, gzip };
};
const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
const row = (label: string, size: Size) => `| ${label} | ${kB(size.raw)} | ${kB(size.gzip)} |`;

const initialJs = sum(initial, '.js');
const initialCss = sum(initial, '.css');
const totalJs = sum(assets, '.js');
const totalCss = sum(assets, '.css');
const fonts = assets.filter((a) => a.endsWith('.woff2'));
const fontBytes = fonts.reduce((n, f) => n + statSync(join(dist, f)).size, 0);
/** Files of a chunk and of everything it imports statically, from Vite's manifest. */
interface ManifestChunk {
  file: string;
  css?: string[];
  imports?: string[];
}
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
const closure = (key: string, into = new Set<string>()): Set<string> => {
  const chunk = manifest[key];
  if (!chunk || into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const css of chunk.css ?? []) into.add(css);
  for (const imported of chunk.imports ?? []) closure(imported, into);
  return into;
};
// A signed-in user's first view: the entry, the console frame and the imaging server status page.
const firstView = new Set([...initial, ...closure('src/shell/app-shell.tsx'), ...closure('src/pages/imaging-server-status/imaging-server-status-page.tsx')]);

const pages = assets
  .filter((a) => /-page-[\w-]+\.js$/.test(a))
  .map((a) => ({ name: a.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, ''), ...sizeOf(a) }))
  .sort((a, b) => b.gzip - a.gzip);

console.log('| what | raw | gzip |');
console.log('| --- | ---: | ---: |');
console.log(row(`initial JS (${[...initial].filter((f) => f.endsWith('.js')).length} files)`, initialJs));
console.log(row(`initial CSS (${[...initial].filter((f) => f.endsWith('.css')).length} files)`, initialCss));
console.log(row('**initial JS + CSS**', { raw: initialJs.raw + initialCss.raw, gzip: initialJs.gzip + initialCss.gzip }));
console.log(row('first signed-in view, JS + CSS (entry + console frame + status page)', { raw: sum(firstView, '.js').raw + sum(firstView, '.css').raw, gzip: sum(firstView, '.js').gzip + sum(firstView, '.css').gzip }));
console.log(row(`all JS (${assets.filter((a) => a.endsWith('.js')).length} files)`, totalJs));
console.log(row('all CSS', totalCss));
console.log(row('**all JS + CSS**', { raw: totalJs.raw + totalCss.raw, gzip: totalJs.gzip + totalCss.gzip }));
console.log(`| fonts (${fonts.length} Open Sans faces, woff2, fetched only when used) | ${kB(fontBytes)} | — |`);
console.log('');
console.log(`Route chunks (gzip): ${pages.map((p) => `${p.name} ${kB(p.gzip)}`).join(', ')}`);

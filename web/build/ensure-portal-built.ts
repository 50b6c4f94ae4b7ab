import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start` runs this first (prestart): it builds the portal when web/dist is missing or
 * older than its sources (web/src, web/index.html, the Vite config, and shared/src, which the
 * portal bundles), so one command always serves the current portal.
 */
const repo = fileURLToPath(new URL('../../', import.meta.url));
const built = join(repo, 'web/dist/index.html');
const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/build', 'shared/src'].map((p) => join(repo, p));

function newestMtime(path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function builtAt(): number | null {
  try {
    return statSync(built).mtimeMs;
  } catch {
    return null;
  }
}

const at = builtAt();
const newest = Math.max(...sources.map(newestMtime));
if (at !== null && at >= newest) {
  console.log('portal: web/dist is up to date');
} else {
  console.log(at === null ? 'portal: web/dist is missing; building it…' : 'portal: web/src changed since the last build; rebuilding…');
  const result = spawnSync(process.execPath, [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(repo, 'web/vite.config.ts'), '--logLevel', 'warn'], {
    cwd: repo,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    console.error('portal: the build failed; the API still starts, the portal page says it is not built.');
  }
}

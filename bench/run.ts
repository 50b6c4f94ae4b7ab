import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `npm run bench -- NAME` runs bench/NAME.bench.ts. Each benchmark measures Marrow and its
 * anchor side by side in the same run and prints, as its last line, one JSON object:
 * {"bench":NAME,"ours":…,"anchor":…,"ratio":…,"unit":…,"goal":…}.
 */
const name = process.argv[2];
const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));

if (!name) {
  console.error(`usage: npm run bench -- NAME   (available: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
const file = join(dir, `${name}.bench.ts`);
if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
  console.error(`no benchmark "${name}" (available: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
await import(pathToFileURL(file).href);

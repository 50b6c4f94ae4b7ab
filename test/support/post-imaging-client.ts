import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the post-imaging client finds after MountSystem, with the "system partition" a
 * directory: `work`/system with an empty Windows\System32, and the client's state directory
 * `work`/state whose post.env names it. `log` is the file for the client's session log.
 */
export async function mountedSystem(work: string): Promise<{ system: string; state: string; log: string }> {
  const system = join(work, 'system');
  const state = join(work, 'state');
  await mkdir(join(system, 'Windows', 'System32'), { recursive: true });
  await mkdir(state, { recursive: true });
  await writeFile(join(state, 'post.env'), `MARROW_SYSTEM='${system}'; export MARROW_SYSTEM\n`);
  return { system, state, log: join(work, 'log') };
}

import { resolve } from 'node:path';

/**
 * Running the repository's TypeScript inside a namespace: `ip netns exec NS node --import
 * tsx SCRIPT`, with the repository as working directory so `tsx` resolves from its
 * node_modules. Children print one JSON object per line on stdout.
 */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const NODE = process.execPath;

/** Arguments for `lab.spawn`/`lab.run`: node, the tsx loader, a support script, its JSON argument. */
export function nodeScript(script: string, argument: unknown): [string, string[]] {
  return [NODE, ['--import', 'tsx', resolve(import.meta.dirname, script), JSON.stringify(argument)]];
}

/** The JSON lines of a child's output (other lines are ignored). */
export function jsonLines<T = Record<string, unknown>>(output: string): T[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

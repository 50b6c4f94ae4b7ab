import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * The repository root, found from this file rather than from `process.cwd()`, so the CDK
 * CLI (run from the root), vitest and an editor all resolve the same Lambda entry.
 */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** An absolute path inside the repository. */
export const fromRepoRoot = (...segments: string[]): string => path.join(repoRoot, ...segments);

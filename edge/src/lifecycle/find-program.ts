import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program in PATH, or in the sbin directories a non-root PATH lacks (sfdisk is in /usr/sbin). */
export function findProgram(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin']) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

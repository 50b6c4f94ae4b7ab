import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One local host per data directory: a second dynalite on the same files kills the process
 * (see stack notes), so we refuse to start with a clear message instead.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'marrow.lock');
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(lockFile, 'utf8'));
    if (holder && isAlive(holder)) {
      throw new Error(`another Marrow local host (pid ${holder}) is using ${dataDir}; stop it or set MARROW_DATA_DIR`);
    }
    writeFileSync(lockFile, String(process.pid)); // a stale lock from a crashed run
  }
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key that signs local sign-in tokens: made once, kept (0600) so tokens survive a restart. */
export function loadTokenSecret(dataDir: string): Uint8Array {
  const file = join(dataDir, 'token-secret');
  try {
    return readFileSync(file);
  } catch {
    const secret = randomBytes(32);
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

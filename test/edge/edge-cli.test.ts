import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `marrow-edge` as an administrator meets it: one clear line for each mistake, never a stack trace. */
const bin = resolve(import.meta.dirname, '../../edge/bin/marrow-edge.js');
let dir: string;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marrow-edge-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('marrow-edge', () => {
  it('prints its usage, and refuses unknown commands', () => {
    expect(run(['--help'])).toMatchObject({ code: 0 });
    const unknown = run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });

  it('says how to enrol when run before enrolment', () => {
    const result = run(['run'], { MARROW_EDGE_DATA_DIR: dir });
    expect(result.code).toBe(1);
    expect(result.err).toContain('not enrolled yet: run "marrow-edge enroll CODE');
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('explains a bad setting and an unreachable control plane in one line', () => {
    const bad = run(['run'], { MARROW_EDGE_DATA_DIR: dir, MARROW_EDGE_HTTP_PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/marrow-edge: invalid configuration: http\.port/);
    const enrol = run(['enroll', 'MRW-AAAA-BBBB-CCCC-DDDD', '--url', 'http://127.0.0.1:9'], { MARROW_EDGE_DATA_DIR: dir });
    expect(enrol.code).toBe(1);
    expect(enrol.err).toContain('cannot reach the control plane at http://127.0.0.1:9');
    expect(enrol.err).not.toMatch(/\n\s+at /);
  });

  it('says which port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await writeFile(
        join(dir, 'credential.json'),
        JSON.stringify({
          controlPlaneUrl: 'http://127.0.0.1:9',
          credential: 'mse1.tn_01J9ZQ4T6W2R8X5Y7V3N1K0M9P.is_01J9ZQ4T6W2R8X5Y7V3N1K0M9P.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
          tenantId: 'tn_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
          imagingServerId: 'is_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
          entityId: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
          name: 'edge',
          enrolledAt: new Date().toISOString(),
        }),
        { mode: 0o600 },
      );
      const result = run(['run'], { MARROW_EDGE_DATA_DIR: dir, MARROW_EDGE_HTTP_ADDRESS: '127.0.0.1', MARROW_EDGE_HTTP_PORT: String(port), MARROW_EDGE_TFTP_ENABLED: 'false' });
      expect(result.code).toBe(1);
      expect(result.err).toContain(`HTTP port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});

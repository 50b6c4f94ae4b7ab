import { randomBytes } from 'node:crypto';
import { chunkPath, deltaPath } from '@marrow/shared';
import type { LocalHost } from '../../../lambdas/src/local/local-host';
import { testChunk, testManifest, type TestChunk } from '../../support/test-manifests';

/**
 * The tenant's archive as captures leave it, for the archive storage page: chunks (and
 * deltas) named by the manifests of masters and backup images, and orphans that nothing
 * names (an upload whose capture never registered). Written straight into the local S3,
 * as the imaging server would have uploaded them.
 */
export type ArchivedChunk = TestChunk;

export function newChunk(size = 2000): ArchivedChunk {
  return testChunk(randomBytes(size));
}

/** Writes `chunks` (the last one with a delta) and a readable manifest naming them at each of `manifestKeys`. */
export async function storeImage(host: LocalHost, tenantId: string, machineId: string, manifestKeys: string[], chunks: ArchivedChunk[]): Promise<void> {
  const { archive } = host.deps;
  for (const c of chunks) await archive.put(tenantId, chunkPath(c.h), c.data);
  const withDelta = chunks.at(-1)!;
  await archive.put(tenantId, deltaPath(withDelta.h), randomBytes(100));
  const manifest = testManifest(tenantId, chunks, { machineId, deltas: new Map([[withDelta.h, 100]]) });
  for (const key of manifestKeys) await archive.put(tenantId, key, JSON.stringify(manifest));
}

/** A chunk nothing names, with a delta of `deltaBytes` when asked. */
export async function storeOrphan(host: LocalHost, tenantId: string, chunk: ArchivedChunk, deltaBytes?: number): Promise<void> {
  await host.deps.archive.put(tenantId, chunkPath(chunk.h), chunk.data);
  if (deltaBytes) await host.deps.archive.put(tenantId, deltaPath(chunk.h), randomBytes(deltaBytes));
}

export async function isArchived(host: LocalHost, tenantId: string, key: string): Promise<boolean> {
  return (await host.deps.archive.head(tenantId, key)) !== undefined;
}

/** Runs `work` with the control plane's clock `days` ahead (the archive's dates stay real), as a week later. */
export async function later<T>(host: LocalHost, days: number, work: () => Promise<T>): Promise<T> {
  const deps = host.deps as { clock: () => Date };
  const real = deps.clock;
  deps.clock = () => new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  try {
    return await work();
  } finally {
    deps.clock = real;
  }
}

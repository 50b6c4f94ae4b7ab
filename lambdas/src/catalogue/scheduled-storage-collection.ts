import { listAll, SYSTEM_SCOPE } from '../ports/catalogue-store';
import { collectUnreferencedStorage, type StorageCollectionDeps } from './storage-collection';

export interface ScheduledCollectionSummary {
  tenants: number;
  deletedObjects: number;
  deletedBytes: number;
  /** Tenants whose collection was skipped (a capture running) or failed (a manifest unreadable). */
  skipped: number;
  failed: number;
}

/**
 * The daily collection of every tenant's unused archive space (infra: an EventBridge schedule
 * invokes lambdas/src/entry/storage-collection.ts). Each tenant on its own: one whose
 * collection is skipped or fails is logged and left for the next day, the others go on.
 */
export async function collectEveryTenant(deps: StorageCollectionDeps, log: (entry: Record<string, unknown>) => void): Promise<ScheduledCollectionSummary> {
  const summary: ScheduledCollectionSummary = { tenants: 0, deletedObjects: 0, deletedBytes: 0, skipped: 0, failed: 0 };
  for (const tenant of await listAll(deps.store, SYSTEM_SCOPE, 'tenant')) {
    summary.tenants++;
    try {
      const report = await collectUnreferencedStorage(deps, tenant.id, { dryRun: false });
      if (report.skipped) summary.skipped++;
      summary.deletedObjects += report.deleted.objects;
      summary.deletedBytes += report.deleted.bytes;
      log({ level: report.skipped ? 'warn' : 'info', message: report.skipped ? 'storage collection skipped' : 'storage collected', ...report });
    } catch (error) {
      summary.failed++;
      log({ level: 'error', message: 'storage collection failed', tenantId: tenant.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return summary;
}

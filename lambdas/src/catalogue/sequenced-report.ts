import { canReportTask, type DeploymentTaskState } from '@marrow/shared';
import type { CatalogueRecords, CatalogueStore } from '../ports/catalogue-store';
import { updateRecord } from './records';

/** The kinds an edge reports on by sequence number: a deployment's task, a backup request. */
type ReportedKind = 'deploymentTask' | 'backupRequest';
type Reported<K extends ReportedKind> = CatalogueRecords[K];

export interface SequencedReport<K extends ReportedKind> {
  seq: number;
  state: DeploymentTaskState;
  progress?: Reported<K>['progress'];
  error?: Reported<K>['error'];
}

/**
 * Applies an edge's report on a task-like record. Reports can arrive late, twice or out of
 * order (QoS 1, an outbox replay, concurrent rule invocations): the sequence number decides, so
 * the record converges to what the edge last saw, and the task state machine keeps a finished
 * record finished. `also` adds what a kind carries beyond state, progress and error. Returns
 * false when the report changed nothing.
 */
export async function applySequencedReport<K extends ReportedKind>(
  store: CatalogueStore,
  tenantId: string,
  kind: K,
  id: string,
  now: Date,
  report: SequencedReport<K>,
  also: (record: Reported<K>) => Partial<Reported<K>> = () => ({}),
): Promise<boolean> {
  const current = await store.get(tenantId, kind, id);
  if (!current || !accepts(current, report)) return false;
  try {
    await updateRecord(store, tenantId, kind, id, now, (record) => {
      if (!accepts(record, report)) throw new StaleReport();
      return {
        ...record,
        state: report.state,
        progress: report.progress !== undefined ? report.progress : record.progress,
        error: report.error !== undefined ? report.error : record.error,
        ...also(record),
        reportedSeq: report.seq,
      };
    });
    return true;
  } catch (error) {
    if (error instanceof StaleReport) return false;
    throw error;
  }
}

/** Thrown inside a read-modify-write to leave the record as it is. */
export class StaleReport extends Error {}

function accepts(record: { state: DeploymentTaskState; reportedSeq?: number | null }, report: { seq: number; state: DeploymentTaskState }): boolean {
  if (record.reportedSeq !== null && record.reportedSeq !== undefined && report.seq <= record.reportedSeq) return false;
  return canReportTask(record.state, report.state);
}

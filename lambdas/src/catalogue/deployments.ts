import { canMoveTask, canReportTask, deploymentStateOf, isTerminalTaskState, type Deployment, type DeploymentTask, type DeploymentTaskState } from '@marrow/shared';
import { ConflictError } from '../errors/marrow-error';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';
import { updateRecord } from './records';

/** Tasks are stored under "{deploymentId}#{machineId}" and listed by deployment. */
export function taskKey(deploymentId: string, machineId: string): string {
  return `${deploymentId}#${machineId}`;
}

export function listTasks(store: CatalogueStore, tenantId: string, deploymentId: string): Promise<DeploymentTask[]> {
  return listAll(store, tenantId, 'deploymentTask', { group: deploymentId });
}

/**
 * Moves one task, refusing what its state machine forbids (a done task never goes back to
 * imaging; a cancelled one is never revived by a late progress report).
 */
export async function moveTask(
  store: CatalogueStore,
  tenantId: string,
  deploymentId: string,
  machineId: string,
  now: Date,
  change: { state: DeploymentTaskState; progress?: DeploymentTask['progress']; error?: DeploymentTask['error'] },
): Promise<DeploymentTask> {
  return updateRecord(store, tenantId, 'deploymentTask', taskKey(deploymentId, machineId), now, (task) => {
    if (!canMoveTask(task.state, change.state)) {
      throw new ConflictError(`the task of machine ${machineId} is ${task.state}; it cannot move to ${change.state}`);
    }
    return {
      ...task,
      state: change.state,
      progress: change.progress !== undefined ? change.progress : task.progress,
      error: change.error !== undefined ? change.error : task.error,
    };
  });
}

/**
 * Recomputes a deployment's state from its tasks. Re-runnable: whoever changes a task calls
 * it afterwards, and the last caller's read of the tasks is the truth.
 */
export async function refreshDeploymentState(store: CatalogueStore, tenantId: string, deploymentId: string, now: Date): Promise<Deployment> {
  const tasks = await listTasks(store, tenantId, deploymentId);
  const state = deploymentStateOf(tasks.map((t) => t.state));
  const current = await store.get(tenantId, 'deployment', deploymentId);
  if (current && current.state === state) return current;
  return updateRecord(store, tenantId, 'deployment', deploymentId, now, (d) => ({ ...d, state }));
}

export function isUnfinished(task: DeploymentTask): boolean {
  return !isTerminalTaskState(task.state);
}

export interface TaskReport {
  seq: number;
  state: DeploymentTaskState;
  progress?: DeploymentTask['progress'];
  error?: DeploymentTask['error'];
}

/**
 * Applies an edge's report of a task. Reports can arrive late, twice or out of order (QoS 1,
 * an outbox replay, concurrent rule invocations): the sequence number decides, so the task
 * converges to what the edge last saw. Returns false when the report changed nothing.
 */
export async function applyTaskReport(
  store: CatalogueStore,
  tenantId: string,
  deploymentId: string,
  machineId: string,
  now: Date,
  report: TaskReport,
): Promise<boolean> {
  const key = taskKey(deploymentId, machineId);
  const current = await store.get(tenantId, 'deploymentTask', key);
  if (!current || !accepts(current, report)) return false;
  try {
    await updateRecord(store, tenantId, 'deploymentTask', key, now, (task) => {
      if (!accepts(task, report)) throw new StaleReport();
      return {
        ...task,
        state: report.state,
        progress: report.progress !== undefined ? report.progress : task.progress,
        error: report.error !== undefined ? report.error : task.error,
        reportedSeq: report.seq,
      };
    });
    return true;
  } catch (error) {
    if (error instanceof StaleReport) return false;
    throw error;
  }
}

class StaleReport extends Error {}

function accepts(task: DeploymentTask, report: TaskReport): boolean {
  if (task.reportedSeq !== null && task.reportedSeq !== undefined && report.seq <= task.reportedSeq) return false;
  return canReportTask(task.state, report.state);
}

import { canMoveTask, deploymentStateOf, isTerminalTaskState, type Deployment, type DeploymentTask, type DeploymentTaskState } from '@marrow/shared';
import { ConflictError } from '../errors/marrow-error';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';
import { updateRecord } from './records';
import { applySequencedReport, type SequencedReport } from './sequenced-report';

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

export type TaskReport = SequencedReport<'deploymentTask'>;

/** Applies an edge's report of a task (applySequencedReport). Returns false when it changed nothing. */
export function applyTaskReport(
  store: CatalogueStore,
  tenantId: string,
  deploymentId: string,
  machineId: string,
  now: Date,
  report: TaskReport,
): Promise<boolean> {
  return applySequencedReport(store, tenantId, 'deploymentTask', taskKey(deploymentId, machineId), now, report);
}

/**
 * Life of one machine's task in a deployment:
 *
 *   pending → waiting-for-boot → imaging → post-scripts → done
 *        \____________\______________\__________\______→ failed | cancelled
 *
 * A task moves forward only; `imaging → done` is allowed for deployments without
 * post-imaging scripts. Terminal states never change again: a late progress report for
 * a cancelled task must not revive it.
 */
export const deploymentTaskStates = [
  'pending',
  'waiting-for-boot',
  'imaging',
  'post-scripts',
  'done',
  'failed',
  'cancelled',
] as const;
export type DeploymentTaskState = (typeof deploymentTaskStates)[number];

export const terminalTaskStates: ReadonlySet<DeploymentTaskState> = new Set(['done', 'failed', 'cancelled']);

const forward: Record<DeploymentTaskState, readonly DeploymentTaskState[]> = {
  pending: ['waiting-for-boot'],
  'waiting-for-boot': ['imaging'],
  imaging: ['post-scripts', 'done'],
  'post-scripts': ['done'],
  done: [],
  failed: [],
  cancelled: [],
};

export function isTerminalTaskState(state: DeploymentTaskState): boolean {
  return terminalTaskStates.has(state);
}

/** Whether a task may go from `from` to `to`. Staying in the same non-terminal state is allowed (progress updates). */
export function canMoveTask(from: DeploymentTaskState, to: DeploymentTaskState): boolean {
  if (isTerminalTaskState(from)) return false;
  if (from === to) return true;
  if (to === 'failed' || to === 'cancelled') return true;
  return forward[from].includes(to);
}

export type DeploymentState = 'scheduled' | 'running' | 'finished' | 'cancelled';

/** A deployment's state follows from its tasks: finished once every task is terminal. */
export function deploymentStateOf(taskStates: readonly DeploymentTaskState[]): DeploymentState {
  if (taskStates.length > 0 && taskStates.every((s) => s === 'cancelled')) return 'cancelled';
  if (taskStates.every(isTerminalTaskState)) return 'finished';
  if (taskStates.every((s) => s === 'pending')) return 'scheduled';
  return 'running';
}

const forwardOrder: readonly DeploymentTaskState[] = ['pending', 'waiting-for-boot', 'imaging', 'post-scripts', 'done'];

/**
 * Whether an edge's report may move a task from `from` to `to`. Unlike an API call, a report
 * may skip states: the edge saw the steps in between even if their reports were lost or
 * arrive later (each carries a sequence number, and older ones are ignored). It never moves
 * a task backwards and never revives a finished one.
 */
export function canReportTask(from: DeploymentTaskState, to: DeploymentTaskState): boolean {
  if (isTerminalTaskState(from)) return false;
  if (to === 'failed' || to === 'cancelled') return true;
  return forwardOrder.indexOf(to) >= forwardOrder.indexOf(from);
}

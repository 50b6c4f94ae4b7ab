import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { Deployment, DeploymentTask, TaskProgress } from '@marrow/shared';

const deploymentStates: Record<Deployment['state'], { type: StatusIndicatorProps.Type; text: string }> = {
  scheduled: { type: 'pending', text: 'Scheduled' },
  running: { type: 'in-progress', text: 'Running' },
  finished: { type: 'success', text: 'Finished' },
  cancelled: { type: 'stopped', text: 'Cancelled' },
};

const taskStates: Record<DeploymentTask['state'], { type: StatusIndicatorProps.Type; text: string }> = {
  pending: { type: 'pending', text: 'Pending' },
  'waiting-for-boot': { type: 'loading', text: 'Waiting for boot' },
  imaging: { type: 'in-progress', text: 'Imaging' },
  'post-scripts': { type: 'in-progress', text: 'Post-imaging scripts' },
  done: { type: 'success', text: 'Done' },
  failed: { type: 'error', text: 'Failed' },
  cancelled: { type: 'stopped', text: 'Cancelled' },
};

export const phaseLabels: Record<TaskProgress['phase'], string> = {
  boot: 'Booting the imaging environment',
  'partition-table': 'Writing the partition table',
  restore: 'Restoring partitions',
  capture: 'Capturing partitions',
  'post-scripts': 'Running post-imaging scripts',
  report: 'Reporting',
};

export function DeploymentState({ state }: { state: Deployment['state'] }) {
  return <StatusIndicator type={deploymentStates[state].type}>{deploymentStates[state].text}</StatusIndicator>;
}

export function TaskState({ state }: { state: DeploymentTask['state'] }) {
  return <StatusIndicator type={taskStates[state].type}>{taskStates[state].text}</StatusIndicator>;
}

export const isUnfinished = (d: Pick<Deployment, 'state'>) => d.state === 'scheduled' || d.state === 'running';

import { describe, expect, it } from 'vitest';
import { canMoveTask, canReportTask, deploymentStateOf, deploymentTaskStates, type DeploymentTaskState } from './deployment-task-state';

describe('deployment task state machine', () => {
  const legal: [DeploymentTaskState, DeploymentTaskState][] = [
    ['pending', 'waiting-for-boot'],
    ['waiting-for-boot', 'imaging'],
    ['imaging', 'post-scripts'],
    ['imaging', 'done'],
    ['post-scripts', 'done'],
    ['imaging', 'imaging'],
  ];

  it('allows exactly the forward path, failure and cancellation from any live state', () => {
    for (const from of deploymentTaskStates) {
      for (const to of deploymentTaskStates) {
        const terminal = from === 'done' || from === 'failed' || from === 'cancelled';
        const expected =
          !terminal && (from === to || to === 'failed' || to === 'cancelled' || legal.some(([a, b]) => a === from && b === to));
        expect(canMoveTask(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it('never revives a finished task', () => {
    for (const to of deploymentTaskStates) {
      expect(canMoveTask('cancelled', to)).toBe(false);
      expect(canMoveTask('done', to)).toBe(false);
    }
  });

  it('lets edge reports skip states forward, never backwards or out of a finished task', () => {
    expect(canReportTask('pending', 'done')).toBe(true);
    expect(canReportTask('imaging', 'imaging')).toBe(true);
    expect(canReportTask('post-scripts', 'imaging')).toBe(false);
    expect(canReportTask('done', 'failed')).toBe(false);
    expect(canReportTask('waiting-for-boot', 'cancelled')).toBe(true);
  });

  it('derives the deployment state from its tasks', () => {
    expect(deploymentStateOf(['pending', 'pending'])).toBe('scheduled');
    expect(deploymentStateOf(['pending', 'imaging'])).toBe('running');
    expect(deploymentStateOf(['done', 'failed'])).toBe('finished');
    expect(deploymentStateOf(['cancelled', 'cancelled'])).toBe('cancelled');
    expect(deploymentStateOf(['cancelled', 'done'])).toBe('finished');
  });
});

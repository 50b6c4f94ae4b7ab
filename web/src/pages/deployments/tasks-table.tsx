import Box from '@cloudscape-design/components/box';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import Header from '@cloudscape-design/components/header';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import type { DeploymentTask, Machine } from '@marrow/shared';
import { etaSeconds, formatDuration, formatGB, formatMBps } from '../../format/format';
import { phaseLabels, TaskState } from './deployment-states';
import './tasks-table.css';

interface TasksTableProps {
  tasks: DeploymentTask[] | undefined;
  loading: boolean;
  machines: Machine[];
  live: boolean;
}

/** Per machine: state, phase, progress bar, rate, time left, and the error with its log tail. */
export function TasksTable({ tasks, loading, machines, live }: TasksTableProps) {
  const names = new Map(machines.map((m) => [m.id, m.hostname]));
  const running = (t: DeploymentTask) => !['done', 'failed', 'cancelled'].includes(t.state);
  const columns: TableProps.ColumnDefinition<DeploymentTask>[] = [
    { id: 'machine', header: 'Machine', cell: (t) => names.get(t.machineId) ?? t.machineId, isRowHeader: true, width: 120 },
    { id: 'state', header: 'State', cell: (t) => <TaskState state={t.state} />, width: 160 },
    {
      id: 'progress',
      header: 'Phase and progress',
      width: 250,
      cell: (t) => {
        const name = names.get(t.machineId) ?? t.machineId;
        if (t.state === 'done') return <ProgressBar value={100} status="success" resultText="Done" ariaLabel={`Progress of ${name}`} />;
        if (!t.progress) return '—';
        const phase = phaseLabels[t.progress.phase];
        if (t.progress.bytesTotal === 0) return phase;
        const percent = Math.min(100, Math.round((t.progress.bytesDone / t.progress.bytesTotal) * 100));
        return (
          <ProgressBar
            value={percent}
            label={phase}
            ariaLabel={`Progress of ${name}`}
            additionalInfo={`${formatGB(t.progress.bytesDone)} of ${formatGB(t.progress.bytesTotal)}`}
          />
        );
      },
    },
    { id: 'rate', header: 'Rate', width: 100, cell: (t) => (t.progress && running(t) ? formatMBps(t.progress.rateBytesPerSecond) : '—') },
    {
      id: 'eta',
      header: 'Time left',
      width: 100,
      cell: (t) => {
        if (!t.progress || !running(t)) return '—';
        const eta = etaSeconds(t.progress.bytesDone, t.progress.bytesTotal, t.progress.rateBytesPerSecond);
        return eta === null ? '—' : formatDuration(eta);
      },
    },
    {
      id: 'error',
      header: 'Error',
      width: 250,
      cell: (t) =>
        t.error ? (
          <div>
            <Box color="text-status-error">{t.error.message}</Box>
            {t.error.logTail && (
              <ExpandableSection headerText="Log tail" variant="footer">
                <pre className="marrow-log-tail" tabIndex={0} aria-label={`Log tail of ${names.get(t.machineId) ?? t.machineId}`}>
                  {t.error.logTail}
                </pre>
              </ExpandableSection>
            )}
          </div>
        ) : (
          '—'
        ),
    },
  ];
  const done = tasks?.filter((t) => t.state === 'done').length ?? 0;
  const failed = tasks?.filter((t) => t.state === 'failed').length ?? 0;
  const cancelled = tasks?.filter((t) => t.state === 'cancelled').length ?? 0;
  const summary = tasks ? `(${done}/${tasks.length} done${failed ? `, ${failed} failed` : ''}${cancelled ? `, ${cancelled} cancelled` : ''})` : undefined;
  return (
    <Table
      items={tasks ?? []}
      columnDefinitions={columns}
      trackBy="machineId"
      variant="embedded"
      wrapLines
      resizableColumns
      loading={loading}
      loadingText="Loading the machines' progress"
      empty={<Box textAlign="center">No machines</Box>}
      header={
        <Header variant="h3" counter={summary} description={live ? undefined : 'Final state.'}>
          Machines
        </Header>
      }
    />
  );
}

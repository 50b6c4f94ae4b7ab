import Alert from '@cloudscape-design/components/alert';
import Container from '@cloudscape-design/components/container';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { EmptyState, ErrorState, PageLoading } from '../../components/page-states';
import { formatSize } from '../../format/format';
import { deletedAnything, deletedSummary, differenceFromCheck, reclaimableOf, sentence } from './collection-report';
import { CollectionReportView } from './collection-report-view';
import type { CollectionOutcome } from './use-storage-collection';

interface CollectionOutcomeProps {
  outcome: CollectionOutcome | null;
  checking: boolean;
  checkError: Error | null;
  onCheck: () => void;
}

/** Below the explanation: nothing yet, a check running or refused, its report, or what a reclaim deleted. */
export function CollectionOutcomeView({ outcome, checking, checkError, onCheck }: CollectionOutcomeProps) {
  if (checking) {
    return (
      <Container>
        <PageLoading text="Checking the archive" />
      </Container>
    );
  }
  if (checkError) return <ErrorState header="The archive could not be checked" error={checkError} onRetry={onCheck} />;
  if (!outcome) {
    return (
      <Container>
        <EmptyState title="Not checked yet" subtitle="Choose Check to see how much archive space can be reclaimed. A check deletes nothing." />
      </Container>
    );
  }
  if (outcome.kind === 'checked') {
    const { report } = outcome;
    if (report.skipped !== null) {
      return (
        <Alert type="info" header="The archive was not checked">
          <span data-testid="collection-skipped">{sentence(report.skipped)}</span>
        </Alert>
      );
    }
    return (
      <SpaceBetween size="l">
        {reclaimableOf(report) === null && (
          <Alert type="success" header="Nothing to reclaim">
            {report.keptRecent.objects > 0
              ? `Every chunk is in use, or less than 7 days old (${formatSize(report.keptRecent.bytes)} kept for now).`
              : 'Every chunk in the archive is in use.'}
          </Alert>
        )}
        <CollectionReportView report={report} />
      </SpaceBetween>
    );
  }
  const { run, check } = outcome;
  const difference = differenceFromCheck(check, run);
  return (
    <SpaceBetween size="l">
      <Alert type={deletedAnything(run) ? 'success' : 'info'} header={deletedSummary(run)}>
        <span data-testid="collection-deleted">
          {run.skipped !== null ? sentence(run.skipped) : (difference ?? 'This is what the check found.')}
        </span>
      </Alert>
      {run.skipped === null && <CollectionReportView report={run} />}
    </SpaceBetween>
  );
}

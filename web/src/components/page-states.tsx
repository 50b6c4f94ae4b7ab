import type { ReactNode } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { messageOf } from '../api/api-error';

/** Loading, empty and error states, worded the same way on every page. */
export function PageLoading({ text = 'Loading' }: { text?: string }) {
  return (
    <Box padding={{ vertical: 'xxl' }} textAlign="center" color="text-status-inactive">
      <StatusIndicator type="loading">{text}</StatusIndicator>
    </Box>
  );
}

export function ErrorState({ error, onRetry, header = 'Something went wrong' }: { error: unknown; onRetry?: () => void; header?: ReactNode }) {
  return (
    <Alert
      type="error"
      header={header}
      action={
        onRetry ? (
          <Button onClick={onRetry} iconName="refresh">
            Retry
          </Button>
        ) : undefined
      }
    >
      {messageOf(error)}
    </Alert>
  );
}

export interface EmptyStateProps {
  title: string;
  subtitle?: ReactNode;
  action?: ReactNode;
}

/** A table's empty state: what is missing and how to add it. */
export function EmptyState({ title, subtitle, action }: EmptyStateProps) {
  return (
    <Box textAlign="center" color="inherit" padding={{ vertical: 's' }}>
      <SpaceBetween size="xxs">
        <Box variant="strong" color="inherit">
          {title}
        </Box>
        {subtitle && (
          <Box variant="p" color="inherit">
            {subtitle}
          </Box>
        )}
      </SpaceBetween>
      {action && <Box margin={{ top: 's' }}>{action}</Box>}
    </Box>
  );
}

export function NoMatchState({ onClear }: { onClear: () => void }) {
  return <EmptyState title="No matches" subtitle="Nothing matches the filter." action={<Button onClick={onClear}>Clear filter</Button>} />;
}

/** Empty state of a table, or the no-match state when a filter hides everything. */
export function tableEmpty(collection: { filtering: boolean; clearFilter: () => void }, empty: ReactNode): ReactNode {
  return collection.filtering ? <NoMatchState onClear={collection.clearFilter} /> : empty;
}

/** Error state inside a table (or any container), with a retry. */
export function tableError(error: unknown, onRetry: () => void, what: string): ReactNode {
  return (
    <Box textAlign="center" padding={{ vertical: 's' }}>
      <SpaceBetween size="xs">
        <StatusIndicator type="error">{`The ${what} could not be loaded.`}</StatusIndicator>
        <Box variant="p" color="text-body-secondary">
          {messageOf(error)}
        </Box>
        <Button onClick={onRetry} iconName="refresh">
          Retry
        </Button>
      </SpaceBetween>
    </Box>
  );
}

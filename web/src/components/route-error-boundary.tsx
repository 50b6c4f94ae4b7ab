import { Component, type ReactNode } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import { ErrorState } from './page-states';

/**
 * Catches what a page throws while rendering, including a route chunk that no longer exists
 * on the server (a new portal version was deployed while this tab was open).
 */
export class RouteErrorBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    const stale = error instanceof Error && /dynamically imported module|Failed to fetch|Importing a module script failed/i.test(error.message);
    return (
      <Box padding={{ vertical: 'l' }}>
        <ErrorState
          header={stale ? 'A new version of the portal is available' : 'This page failed'}
          error={stale ? new Error('Part of the portal could not be loaded; it was probably updated. Reload the page.') : error}
        />
        <Box margin={{ top: 's' }}>
          <Button onClick={() => window.location.reload()} iconName="refresh">
            Reload
          </Button>
        </Box>
      </Box>
    );
  }
}

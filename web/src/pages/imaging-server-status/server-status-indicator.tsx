import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { ImagingServerStatus } from '@marrow/shared';

/** The three statuses, in the users' words: Available (green), Offline, Connection error. */
export const statusLabels: Record<ImagingServerStatus, string> = {
  available: 'Available',
  offline: 'Offline',
  'connection-error': 'Connection error',
};

const indicatorTypes: Record<ImagingServerStatus, StatusIndicatorProps.Type> = {
  available: 'success',
  offline: 'stopped',
  'connection-error': 'error',
};

/** What the user should do about each status. */
export const recommendedActions: Record<ImagingServerStatus, string> = {
  available: 'You can proceed with image creation or deployment.',
  offline: 'No imaging operation can be performed. Recommended action: contact the administrator or technical support.',
  'connection-error': 'Operations are blocked: deployments would fail. Recommended action: report the issue to the technical team.',
};

export function ServerStatusIndicator({ status }: { status: ImagingServerStatus }) {
  return <StatusIndicator type={indicatorTypes[status]}>{statusLabels[status]}</StatusIndicator>;
}

import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import HelpPanel from '@cloudscape-design/components/help-panel';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { Entity, ImagingServerStatusView } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { useImagingServerStatus } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { EntityPage } from '../../components/entity-page';
import { ErrorState, PageLoading } from '../../components/page-states';
import { useSelectedEntity } from '../../entities/selected-entity';
import { formatDateTime, formatRelative } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { DiskSpace } from './disk-space';
import { EntityStatistics } from './entity-statistics';
import { ServerLoad } from './server-load';
import { recommendedActions, ServerStatusIndicator } from './server-status-indicator';

/** Check the imaging server of an entity before deploying or creating a reference image. */
export default function ImagingServerStatusPage() {
  useHelpPanel(() => <StatusHelp />);
  return (
    <EntityPage
      title="Imaging server status"
      description="Check that the imaging server of the entity is Available before any imaging operation."
    >
      {(entity) => <StatusContent entity={entity} />}
    </EntityPage>
  );
}

function StatusContent({ entity }: { entity: Entity }) {
  const status = useImagingServerStatus(entity.id);
  const { path } = useSelectedEntity();
  if (status.isPending) return <PageLoading text="Asking for the imaging server status" />;
  if (status.isError) {
    return <ErrorState header="The imaging server status could not be loaded" error={status.error} onRetry={() => status.refetch()} />;
  }
  const view = status.data;
  return (
    <SpaceBetween size="l">
      <StatusSummary
        view={view}
        entityPath={path ?? entity.name}
        refreshing={status.isFetching}
        updatedAt={status.dataUpdatedAt}
        onRefresh={() => status.refetch()}
      />
      {view.status === 'available' && (
        <>
          <DiskSpace partitions={view.partitions} />
          {view.load && <ServerLoad load={view.load} />}
        </>
      )}
      <EntityStatistics statistics={view.statistics} entityName={entity.name} />
    </SpaceBetween>
  );
}

const serviceNames: Record<string, string> = { proxyDhcp: 'ProxyDHCP', tftp: 'TFTP', http: 'HTTP boot' };

interface SummaryProps {
  view: ImagingServerStatusView;
  entityPath: string;
  refreshing: boolean;
  updatedAt: number;
  onRefresh: () => void;
}

function StatusSummary({ view, entityPath, refreshing, updatedAt, onRefresh }: SummaryProps) {
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  const noServer = view.imagingServerId === null;
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={`Entity ${entityPath}. Refreshed ${formatRelative(new Date(updatedAt).toISOString())}, every 15 seconds.`}
          actions={
            <Button iconName="refresh" onClick={onRefresh} loading={refreshing} ariaLabel="Refresh the status">
              Refresh
            </Button>
          }
        >
          Server status
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Box fontSize="heading-l" fontWeight="bold" data-testid="server-status">
          <ServerStatusIndicator status={view.status} />
        </Box>
        <Alert
          type={view.status === 'available' ? 'success' : view.status === 'offline' ? 'error' : 'warning'}
          header={view.reason}
          action={
            noServer && canEdit ? (
              <Button onClick={() => navigate('/entities')}>Register an imaging server</Button>
            ) : undefined
          }
        >
          {recommendedActions[view.status]}
        </Alert>
        <KeyValuePairs
          columns={view.services ? 4 : 3}
          items={[
            { label: 'Imaging server', value: view.imagingServerName ?? 'None' },
            {
              label: 'Last report',
              value: view.reportedAt ? <span title={formatDateTime(view.reportedAt)}>{formatRelative(view.reportedAt)}</span> : 'Never',
            },
            { label: 'Software version', value: view.softwareVersion ?? '—' },
            ...(view.services
              ? [
                  {
                    label: 'Boot services',
                    value: (
                      <SpaceBetween size="xxs">
                        {Object.entries(view.services).map(([name, state]) => (
                          <StatusIndicator key={name} type={state === 'running' ? 'success' : state === 'failed' ? 'error' : 'stopped'}>
                            {`${serviceNames[name] ?? name}: ${state}`}
                          </StatusIndicator>
                        ))}
                      </SpaceBetween>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </SpaceBetween>
    </Container>
  );
}

function StatusHelp() {
  return (
    <HelpPanel header={<h2>Imaging server status</h2>}>
      <p>
        The imaging server sends system images to the machines of its entity. If it is unavailable or malfunctioning, no imaging
        operation can be completed: check its status before deploying a master or creating a reference image.
      </p>
      <h3>Statuses</h3>
      <ul>
        <li>
          <strong>Available</strong>: the server is operational; you can create or deploy images.
        </li>
        <li>
          <strong>Offline</strong>: the server is not responding. Contact the administrator or technical support.
        </li>
        <li>
          <strong>Connection error</strong>: the server is reachable but cannot work with Marrow (configuration or network). Report
          the issue to the technical team.
        </li>
      </ul>
      <h3>Entity statistics</h3>
      <p>
        Clients are the machines of the entity; clients with backup images have at least one ready backup; masters available are
        ready to deploy.
      </p>
    </HelpPanel>
  );
}

import { useEffect } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useQueryClient } from '@tanstack/react-query';
import type { Deployment } from '@marrow/shared';
import { tenantKey } from '../../api/queries';
import { useSession } from '../../auth/session';
import { useDeployment, useDeploymentTasks, useMachines, useMasters, usePostImagingScripts } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { ErrorState, PageLoading } from '../../components/page-states';
import { formatDateTime } from '../../format/format';
import { DeploymentState, isUnfinished } from './deployment-states';
import { TasksTable } from './tasks-table';

/** The split panel of a deployment: what it deploys, and each machine's live progress. */
export function DeploymentDetails({ deploymentId, onCancel }: { deploymentId: string; onCancel: (d: Deployment) => void }) {
  const deployment = useDeployment(deploymentId);
  const live = deployment.data ? isUnfinished(deployment.data) : false;
  const tasks = useDeploymentTasks(deploymentId, live);
  const entityId = deployment.data?.entityId;
  const machines = useMachines(entityId);
  const masters = useMasters(entityId);
  const scripts = usePostImagingScripts();
  const canEdit = useCanEdit();
  const queryClient = useQueryClient();
  const { tenantId } = useSession();

  // The details poll faster than the list: keep the list's row in step with them.
  const fresh = deployment.data;
  useEffect(() => {
    if (!fresh) return;
    queryClient.setQueriesData<Deployment[] | Deployment>({ queryKey: tenantKey(tenantId, 'deployments', fresh.entityId) }, (old) =>
      Array.isArray(old) ? old.map((d) => (d.id === fresh.id ? fresh : d)) : old,
    );
  }, [fresh, queryClient, tenantId]);

  if (deployment.isPending) return <PageLoading text="Loading the deployment" />;
  if (deployment.isError) return <ErrorState header="The deployment could not be loaded" error={deployment.error} onRetry={() => deployment.refetch()} />;
  const d = deployment.data;
  const master = masters.data?.find((m) => m.id === d.masterId);
  const scriptNames = d.postImagingScriptIds.map((id) => scripts.data?.find((s) => s.id === id)?.name ?? id);

  return (
    <SpaceBetween size="l">
      <Header
        variant="h2"
        description={d.id}
        actions={
          canEdit && isUnfinished(d) ? (
            <Button onClick={() => onCancel(d)} data-testid="cancel-deployment">
              Cancel deployment
            </Button>
          ) : undefined
        }
      >
        {d.description || 'Deployment'}
      </Header>
      <KeyValuePairs
        columns={4}
        items={[
          { label: 'State', value: <DeploymentState state={d.state} /> },
          { label: 'Master', value: master ? `${master.label}${master.description ? ` — ${master.description}` : ''}` : d.masterId },
          { label: 'Starts', value: d.scheduledAt ? formatDateTime(d.scheduledAt) : 'Now' },
          { label: 'Mode', value: `${d.mode === 'unicast' ? 'Unicast' : 'Multicast'}${d.wakeOnLan ? ', with Wake-on-LAN' : ''}` },
          { label: 'Post-imaging scripts', value: scriptNames.length ? scriptNames.join(', ') : 'None' },
          { label: 'Machines', value: d.machineIds.length },
          { label: 'Created by', value: d.createdBy },
          { label: 'Created', value: formatDateTime(d.createdAt) },
        ]}
      />
      {tasks.isError ? (
        <ErrorState header="The progress of the machines could not be loaded" error={tasks.error} onRetry={() => tasks.refetch()} />
      ) : (
        <TasksTable tasks={tasks.data} loading={tasks.isPending} machines={machines.data ?? []} live={live} />
      )}
      {live && (
        <Box variant="small" color="text-body-secondary">
          Live: refreshed every 2 seconds.
        </Box>
      )}
    </SpaceBetween>
  );
}

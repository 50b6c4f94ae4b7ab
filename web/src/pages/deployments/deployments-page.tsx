import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import HelpPanel from '@cloudscape-design/components/help-panel';
import SplitPanel from '@cloudscape-design/components/split-panel';
import type { TableProps } from '@cloudscape-design/components/table';
import type { Deployment, Entity } from '@marrow/shared';
import { useNavigate, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useDeployments, useMasters } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { ConfirmModal } from '../../components/confirm-modal';
import { EntityPage } from '../../components/entity-page';
import { formatDateTime } from '../../format/format';
import { useHelpPanel, useSplitPanel } from '../../shell/shell-slots';
import { DeploymentDetails } from './deployment-details';
import { DeploymentState, isUnfinished } from './deployment-states';

interface Row extends Deployment {
  masterLabel: string;
}

const filterFields = (d: Row) => [d.id, d.description, d.masterLabel, d.state, d.createdBy];
const sortBy = {
  name: (d: Row) => d.description || d.id,
  master: (d: Row) => d.masterLabel,
  machines: (d: Row) => d.machineIds.length,
  state: (d: Row) => d.state,
  when: (d: Row) => d.scheduledAt ?? d.createdAt,
  createdAt: (d: Row) => d.createdAt,
};

export const deploymentName = (d: Pick<Deployment, 'description' | 'id'>) => d.description || d.id;

/** Deployments of an entity, with live per-machine progress in the split panel. */
export default function DeploymentsPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Deployments</h2>}>
      <p>A deployment installs a master on machines of its entity, now or at a chosen time, then runs its post-imaging scripts.</p>
      <p>Select a deployment to follow each machine: phase, progress, transfer rate, time left, and the log of a failure.</p>
      <p>Cancelling stops every machine that has not finished; machines already done keep their new system.</p>
    </HelpPanel>
  ));
  return (
    <EntityPage title="Deployments" description="Masters deployed to machines, with live progress per machine.">
      {(entity) => <DeploymentsTable entity={entity} />}
    </EntityPage>
  );
}

type Dialog = { kind: 'cancel' | 'delete'; deployment: Row } | null;

function DeploymentsTable({ entity }: { entity: Entity }) {
  const deployments = useDeployments(entity.id);
  const masters = useMasters(entity.id);
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  const [searchParams, setSearchParams] = useSearchParams();
  const [dialog, setDialog] = useState<Dialog>(null);
  const labels = new Map((masters.data ?? []).map((m) => [m.id, m.label]));
  const rows = deployments.data?.map((d) => ({ ...d, masterLabel: labels.get(d.masterId) ?? d.masterId }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'createdAt', descending: true } });
  const selectedId = searchParams.get('deployment');
  const selected = rows?.find((d) => d.id === selectedId);

  const select = (id: string | null) =>
    setSearchParams(
      (params) => {
        const next = new URLSearchParams(params);
        if (id) next.set('deployment', id);
        else next.delete('deployment');
        return next;
      },
      { replace: true },
    );

  useSplitPanel(
    () =>
      selectedId ? (
        <SplitPanel header="Deployment details" closeBehavior="collapse" hidePreferencesButton>
          <DeploymentDetails deploymentId={selectedId} onCancel={(d) => setDialog({ kind: 'cancel', deployment: { ...d, masterLabel: '' } })} />
        </SplitPanel>
      ) : (
        <SplitPanel header="Deployment details" closeBehavior="collapse" hidePreferencesButton>
          <Box textAlign="center" color="text-body-secondary">
            Select a deployment to follow its machines.
          </Box>
        </SplitPanel>
      ),
    [selectedId],
  );

  const cancel = useApiMutation({
    mutationFn: (d: Deployment) => api.deployments.cancel(d.id),
    invalidates: ['deployments', 'deployment-tasks'],
    success: (d) => `Deployment ${deploymentName(d)} cancelled.`,
  });
  const remove = useApiMutation({
    mutationFn: (d: Deployment) => api.deployments.remove(d.id),
    invalidates: ['deployments'],
    success: (_r, d) => `Deployment ${deploymentName(d)} deleted.`,
  });

  const columns: TableProps.ColumnDefinition<Row>[] = [
    { id: 'name', header: 'Deployment', cell: (d) => deploymentName(d), sortingField: 'name', isRowHeader: true },
    { id: 'master', header: 'Master', cell: (d) => <Box variant="code">{d.masterLabel}</Box>, sortingField: 'master' },
    { id: 'machines', header: 'Machines', cell: (d) => d.machineIds.length, sortingField: 'machines' },
    { id: 'state', header: 'State', cell: (d) => <DeploymentState state={d.state} />, sortingField: 'state' },
    { id: 'when', header: 'Starts', cell: (d) => (d.scheduledAt ? formatDateTime(d.scheduledAt) : 'Now'), sortingField: 'when' },
    { id: 'createdAt', header: 'Created', cell: (d) => formatDateTime(d.createdAt), sortingField: 'createdAt' },
  ];

  const create = canEdit ? (
    <Button variant="primary" onClick={() => navigate(`/deployments/new?entity=${entity.id}`)}>
      Create deployment
    </Button>
  ) : undefined;

  return (
    <>
      <CollectionTable
        collection={collection}
        query={deployments}
        what="deployments"
        columnDefinitions={columns}
        trackBy="id"
        variant="container"
        selectionType="single"
        selectedItems={selected ? [selected] : []}
        onSelectionChange={({ detail }) => select(detail.selectedItems[0]?.id ?? null)}
        onRowClick={({ detail }) => select(detail.item.id)}
        ariaLabels={{
          selectionGroupLabel: 'Deployments',
          itemSelectionLabel: (_s, d) => `Select deployment ${deploymentName(d)}`,
          allItemsSelectionLabel: () => 'Select all',
        }}
        title={`Deployments of ${entity.name}`}
        description="Unfinished deployments refresh by themselves."
        actions={[
          canEdit && (
            <Button key="cancel" disabled={!selected || !isUnfinished(selected)} onClick={() => selected && setDialog({ kind: 'cancel', deployment: selected })}>
              Cancel deployment
            </Button>
          ),
          canEdit && (
            <Button key="delete" disabled={!selected || isUnfinished(selected)} onClick={() => selected && setDialog({ kind: 'delete', deployment: selected })}>
              Delete
            </Button>
          ),
          create,
        ]}
        empty={{ title: 'No deployments', subtitle: 'Deploy a master to machines of this entity.', action: create }}
        filteringPlaceholder="Find deployments"
      />
      {dialog?.kind === 'cancel' && (
        <ConfirmModal
          header={`Cancel deployment ${deploymentName(dialog.deployment)}?`}
          confirmText="Cancel deployment"
          refusedHeader="The deployment could not be cancelled"
          onConfirm={() => cancel.mutateAsync(dialog.deployment)}
          onClose={() => setDialog(null)}
        >
          Every machine that has not finished stops waiting for this deployment. Machines already done keep their new system; a
          machine in the middle of a restore may need to be deployed again.
        </ConfirmModal>
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          header={`Delete deployment ${deploymentName(dialog.deployment)}?`}
          confirmText="Delete"
          refusedHeader="The deployment cannot be deleted"
          onConfirm={async () => {
            await remove.mutateAsync(dialog.deployment);
            select(null);
          }}
          onClose={() => setDialog(null)}
        >
          The deployment and the record of its machines&apos; progress will be deleted.
        </ConfirmModal>
      )}
    </>
  );
}

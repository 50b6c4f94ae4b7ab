import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import HelpPanel from '@cloudscape-design/components/help-panel';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { TableProps } from '@cloudscape-design/components/table';
import type { Entity, Master } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useMasters, usePostImagingScripts } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { ConfirmModal } from '../../components/confirm-modal';
import { EntityPage } from '../../components/entity-page';
import { rowActionsColumn } from '../../components/row-actions';
import { formatDate, formatGB } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { EditMasterModal } from './edit-master-modal';

const filterFields = (m: Master) => [m.label, m.description];
const sortBy = {
  label: (m: Master) => m.label,
  description: (m: Master) => m.description,
  createdAt: (m: Master) => m.createdAt,
  size: (m: Master) => m.compressedSizeBytes,
  menu: (m: Master) => m.inDefaultStartupMenu,
};

/** The masters of an entity: what can be deployed, and what to do with each. */
export default function MastersPage() {
  useHelpPanel(() => <MastersHelp />);
  return (
    <EntityPage title="Masters" description="Golden system images ready to deploy to the machines of the entity.">
      {(entity) => <MastersTable entity={entity} />}
    </EntityPage>
  );
}

type Dialog = { kind: 'edit'; master: Master } | { kind: 'delete'; master: Master } | null;

function MastersTable({ entity }: { entity: Entity }) {
  const masters = useMasters(entity.id);
  const scripts = usePostImagingScripts();
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<Dialog>(null);
  const collection = useCollection(masters.data, { filterFields, sortBy, defaultSort: { columnId: 'createdAt', descending: true } });
  const scriptNames = new Map((scripts.data ?? []).map((s) => [s.id, s.name]));

  const menu = useApiMutation({
    mutationFn: (m: Master) => api.masters.update(m.id, { inDefaultStartupMenu: !m.inDefaultStartupMenu }),
    invalidates: ['masters', 'startup-menu'],
    success: (m) => `Master ${m.label} ${m.inDefaultStartupMenu ? 'added to' : 'removed from'} the default startup menu.`,
    failure: (m) => `Master ${m.label} could not ${m.inDefaultStartupMenu ? 'leave' : 'join'} the default startup menu`,
  });
  const remove = useApiMutation({
    mutationFn: (m: Master) => api.masters.remove(m.id, m.label),
    invalidates: ['masters', 'imaging-server-status'],
    success: (_r, m) => `Master ${m.label} deleted.`,
  });

  const columns: TableProps.ColumnDefinition<Master>[] = [
    { id: 'label', header: 'Label', cell: (m) => <Box variant="code">{m.label}</Box>, sortingField: 'label', isRowHeader: true, width: 190 },
    { id: 'description', header: 'Description', cell: (m) => m.description || <Box color="text-status-inactive">No description</Box>, sortingField: 'description', width: 240 },
    { id: 'createdAt', header: 'Creation date', cell: (m) => formatDate(m.createdAt), sortingField: 'createdAt', width: 140 },
    {
      id: 'size',
      header: 'Compressed size',
      cell: (m) => (m.versions.length ? formatGB(m.compressedSizeBytes) : <StatusIndicator type="pending">No image yet</StatusIndicator>),
      sortingField: 'size',
      width: 160,
    },
    {
      id: 'menu',
      header: 'Default startup menu',
      cell: (m) => (m.inDefaultStartupMenu ? <StatusIndicator type="success">Yes</StatusIndicator> : <StatusIndicator type="stopped">No</StatusIndicator>),
      sortingField: 'menu',
      width: 200,
    },
    {
      id: 'scripts',
      header: 'Scripts',
      width: 150,
      cell: (m) => (m.postImagingScriptIds.length ? m.postImagingScriptIds.map((id) => scriptNames.get(id) ?? id).join(', ') : '—'),
    },
    ...rowActionsColumn(canEdit, (m: Master) => ({
      ariaLabel: `Actions for master ${m.label}`,
      items: [
        { id: 'deploy', text: 'Deploy', disabled: m.versions.length === 0, disabledReason: 'This master has no image yet.' },
        { id: 'edit', text: 'Edit description and scripts' },
        { id: 'menu', text: m.inDefaultStartupMenu ? 'Remove from the default startup menu' : 'Add to the default startup menu' },
        { id: 'delete', text: 'Delete' },
      ],
      onChoose: (id) => {
        if (id === 'deploy') navigate(`/deployments/new?entity=${entity.id}&master=${m.id}`);
        if (id === 'edit') setDialog({ kind: 'edit', master: m });
        if (id === 'menu') menu.mutate(m);
        if (id === 'delete') setDialog({ kind: 'delete', master: m });
      },
    })),
  ];

  return (
    <>
      <CollectionTable
        collection={collection}
        query={masters}
        what="masters"
        columnDefinitions={columns}
        wrapLines
        resizableColumns
        trackBy="id"
        variant="container"
        title={`Masters of ${entity.name}`}
        empty={{
          title: 'No masters',
          subtitle: 'Back up a reference machine, then promote its backup image to a master.',
          action: <Button onClick={() => navigate('/backup-images')}>Go to backup images</Button>,
        }}
        filteringPlaceholder="Find masters by label or description"
      />
      {dialog?.kind === 'edit' && <EditMasterModal master={dialog.master} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          header={`Delete master ${dialog.master.label}?`}
          confirmText="Delete"
          typeToConfirm={dialog.master.label}
          refusedHeader={`Master ${dialog.master.label} cannot be deleted`}
          onConfirm={() => remove.mutateAsync(dialog.master)}
          onClose={() => setDialog(null)}
        >
          Deleting master <strong>{dialog.master.label}</strong>
          {dialog.master.description ? ` (${dialog.master.description})` : ''} is <strong>irreversible</strong>: its image is removed
          from the archive and it can no longer be deployed. Only delete it if you are certain it is no longer in use.
        </ConfirmModal>
      )}
    </>
  );
}

function MastersHelp() {
  return (
    <HelpPanel header={<h2>Masters</h2>}>
      <p>A master is a complete system image created from a configured workstation, used as a template to deploy other machines.</p>
      <ul>
        <li>
          <strong>Label</strong>: the generated identifier of the image; quote it in tickets.
        </li>
        <li>
          <strong>Compressed size</strong>: the space the image takes, in GB.
        </li>
        <li>
          <strong>Default startup menu</strong>: whether the master is offered in the network boot menu of the entity.
        </li>
      </ul>
      <p>
        Before using a master, check that its date, description and size match what you want to deploy. Deleting a master is
        irreversible and is refused while it is in the default startup menu or in an unfinished deployment.
      </p>
    </HelpPanel>
  );
}

import { useState } from 'react';
import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import type { ButtonDropdownProps } from '@cloudscape-design/components/button-dropdown';
import HelpPanel from '@cloudscape-design/components/help-panel';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { TableProps } from '@cloudscape-design/components/table';
import type { Entity, ImagingServer } from '@marrow/shared';
import { api, type EnrolmentCode } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useImagingServers } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { ConfirmModal } from '../../components/confirm-modal';
import { rowActionsColumn } from '../../components/row-actions';
import { useSelectedEntity } from '../../entities/selected-entity';
import { formatDateTime } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { EntityFormModal } from './entity-form-modal';
import { EnrolmentCodeModal, ImagingServerModal } from './imaging-server-modal';
import './entities-page.css';

interface Row {
  entity: Entity;
  path: string;
  depth: number;
  /** Position in the tree: the default order. */
  index: number;
  server: ImagingServer | undefined;
}

const filterFields = (r: Row) => [r.path, r.entity.description, r.server?.name];
const sortBy = {
  tree: (r: Row) => r.index,
  server: (r: Row) => r.server?.name,
  createdAt: (r: Row) => r.entity.createdAt,
};

type Dialog =
  | { kind: 'create'; parentId: string | null }
  | { kind: 'edit'; entity: Entity }
  | { kind: 'delete'; entity: Entity }
  | { kind: 'server'; entity: Entity; server?: ImagingServer }
  | { kind: 'remove-server'; entity: Entity; server: ImagingServer }
  | { kind: 'code'; name: string; code: EnrolmentCode }
  | null;

/** The entities of the tenant (sites, departments, locations), nested, each with its imaging server. */
export default function EntitiesPage() {
  useHelpPanel(() => (
    <HelpPanel header={<h2>Entities</h2>}>
      <p>Entities group machines by site, department or location, and may nest. Each entity is served by one imaging server, the appliance on its site.</p>
      <p>An entity can only be deleted once nothing belongs to it: no child entity, machine, master, backup image or unfinished deployment.</p>
    </HelpPanel>
  ));
  const { rows: tree, entities } = useSelectedEntity();
  const servers = useImagingServers();
  const canEdit = useCanEdit();
  const [dialog, setDialog] = useState<Dialog>(null);
  const byId = new Map((servers.data ?? []).map((s) => [s.id, s]));
  const rows: Row[] | undefined = entities.data
    ? tree.map((r, index) => ({ ...r, index, server: r.entity.imagingServerId ? byId.get(r.entity.imagingServerId) : undefined }))
    : undefined;
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'tree' }, pageSize: 50 });

  const remove = useApiMutation({
    mutationFn: (e: Entity) => api.entities.remove(e.id),
    invalidates: ['entities'],
    success: (_r, e) => `Entity ${e.name} deleted.`,
  });
  const revoke = useApiMutation({
    mutationFn: (s: ImagingServer) => api.imagingServers.update(s.id, { revoked: !s.revokedAt }),
    invalidates: ['imaging-servers', 'imaging-server-status'],
    success: (s) => `Imaging server ${s.name} ${s.revokedAt ? 'revoked: it has lost all access' : 'restored'}.`,
    failure: (s) => `Imaging server ${s.name} could not be changed`,
  });
  const enrol = useApiMutation({
    mutationFn: (s: ImagingServer) => api.imagingServers.issueEnrolmentCode(s.id),
    invalidates: [],
    failure: (s) => `No enrolment code could be issued for ${s.name}`,
  });
  const removeServer = useApiMutation({
    mutationFn: (s: ImagingServer) => api.imagingServers.remove(s.id),
    invalidates: ['imaging-servers', 'entities', 'imaging-server-status'],
    success: (_r, s) => `Imaging server ${s.name} removed.`,
  });

  const actions = (r: Row): ButtonDropdownProps.ItemOrGroup[] => [
    { id: 'edit', text: 'Edit' },
    { id: 'child', text: 'Create child entity' },
    ...(r.server
      ? [
          { id: 'rename-server', text: 'Rename imaging server' },
          { id: 'enrol-server', text: 'Issue enrolment code' },
          { id: 'revoke-server', text: r.server.revokedAt ? 'Restore imaging server' : 'Revoke imaging server' },
          { id: 'remove-server', text: 'Remove imaging server' },
        ]
      : [{ id: 'add-server', text: 'Register imaging server' }]),
    { id: 'delete', text: 'Delete' },
  ];
  const onAction = (r: Row, id: string) => {
    if (id === 'edit') setDialog({ kind: 'edit', entity: r.entity });
    if (id === 'child') setDialog({ kind: 'create', parentId: r.entity.id });
    if (id === 'add-server') setDialog({ kind: 'server', entity: r.entity });
    if (id === 'rename-server' && r.server) setDialog({ kind: 'server', entity: r.entity, server: r.server });
    if (id === 'revoke-server' && r.server) revoke.mutate(r.server);
    if (id === 'enrol-server' && r.server) {
      const server = r.server;
      enrol.mutate(server, { onSuccess: (code) => setDialog({ kind: 'code', name: server.name, code }) });
    }
    if (id === 'remove-server' && r.server) setDialog({ kind: 'remove-server', entity: r.entity, server: r.server });
    if (id === 'delete') setDialog({ kind: 'delete', entity: r.entity });
  };

  const columns: TableProps.ColumnDefinition<Row>[] = [
    {
      id: 'tree',
      header: 'Entity',
      isRowHeader: true,
      sortingField: 'tree',
      cell: (r) => (
        <span className="marrow-entity-name" style={{ paddingLeft: `${r.depth * 20}px` }} title={r.path}>
          {r.depth > 0 && <span aria-hidden="true" className="marrow-entity-name__branch">└</span>}
          {r.entity.name}
        </span>
      ),
    },
    { id: 'description', header: 'Description', cell: (r) => r.entity.description || '—' },
    {
      id: 'server',
      header: 'Imaging server',
      sortingField: 'server',
      cell: (r) =>
        r.server ? (
          <SpaceBetween direction="horizontal" size="xs">
            <span>{r.server.name}</span>
            {r.server.revokedAt && <Badge color="red">Revoked</Badge>}
          </SpaceBetween>
        ) : (
          <Box color="text-status-inactive">None</Box>
        ),
    },
    { id: 'createdAt', header: 'Created', cell: (r) => formatDateTime(r.entity.createdAt), sortingField: 'createdAt' },
    ...rowActionsColumn(canEdit, (r: Row) => ({ ariaLabel: `Actions for entity ${r.path}`, items: actions(r), onChoose: (id) => onAction(r, id) })),
  ];

  const create = canEdit ? (
    <Button variant="primary" onClick={() => setDialog({ kind: 'create', parentId: null })}>
      Create entity
    </Button>
  ) : undefined;

  return (
    <>
      <CollectionTable
        collection={collection}
        query={entities}
        what="entities"
        columnDefinitions={columns}
        trackBy={(r) => r.entity.id}
        variant="full-page"
        title="Entities"
        description="Sites, departments or locations of the tenant, each served by one imaging server."
        withoutRefresh
        actions={create}
        empty={{ title: 'No entities', action: create }}
        filteringPlaceholder="Find entities"
      />
      {dialog?.kind === 'create' && <EntityFormModal parentId={dialog.parentId} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && <EntityFormModal entity={dialog.entity} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'server' && <ImagingServerModal entity={dialog.entity} {...(dialog.server ? { server: dialog.server } : {})} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'code' && <EnrolmentCodeModal serverName={dialog.name} code={dialog.code} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'delete' && (
        <ConfirmModal
          header={`Delete entity ${dialog.entity.name}?`}
          confirmText="Delete"
          refusedHeader={`Entity ${dialog.entity.name} cannot be deleted`}
          onConfirm={() => remove.mutateAsync(dialog.entity)}
          onClose={() => setDialog(null)}
        >
          Entity <strong>{dialog.entity.name}</strong>, its boot services, default startup menu and finished deployments will be deleted.
        </ConfirmModal>
      )}
      {dialog?.kind === 'remove-server' && (
        <ConfirmModal
          header={`Remove imaging server ${dialog.server.name}?`}
          confirmText="Remove"
          refusedHeader="The imaging server cannot be removed"
          onConfirm={() => removeServer.mutateAsync(dialog.server)}
          onClose={() => setDialog(null)}
        >
          Entity <strong>{dialog.entity.name}</strong> will be served by no imaging server: its machines cannot be imaged until another one is
          registered.
        </ConfirmModal>
      )}
    </>
  );
}

import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import type { TableProps } from '@cloudscape-design/components/table';
import { parsePostImagingScript, type PostImagingScript } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { useMasters, usePostImagingScripts } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { useDeleteConfirmation } from '../../components/delete-confirmation';
import { rowActionsColumn } from '../../components/row-actions';
import { RouterLink } from '../../components/router-link';
import { formatDateTime } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { ScriptHelp } from './script-help';

interface Row extends PostImagingScript {
  commands: string;
  masterLabels: string[];
}

const filterFields = (s: Row) => [s.name, s.description, s.commands, ...s.masterLabels];
const sortBy = {
  name: (s: Row) => s.name,
  lines: (s: Row) => s.lines.length,
  masters: (s: Row) => s.masterLabels.length,
  updatedAt: (s: Row) => s.updatedAt,
};

/** The tenant's post-imaging scripts, and the masters each is associated with. */
export default function ScriptsPage() {
  useHelpPanel(() => <ScriptHelp />);
  const scripts = usePostImagingScripts();
  const masters = useMasters(undefined, { allEntities: true });
  const canEdit = useCanEdit();
  const navigate = useNavigate();
  const rows = scripts.data?.map((s) => ({
    ...s,
    commands: parsePostImagingScript(s.lines)
      .steps.map((step) => (step.kind === 'command' ? step.command : 'custom'))
      .join(', '),
    masterLabels: (masters.data ?? []).filter((m) => m.postImagingScriptIds.includes(s.id)).map((m) => m.label),
  }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'name' } });
  const deletion = useDeleteConfirmation({
    mutationFn: (s: Row) => api.postImagingScripts.remove(s.id),
    invalidates: ['post-imaging-scripts'],
    success: (_r, s) => `Post-imaging script ${s.name} deleted.`,
    header: (s) => `Delete script ${s.name}?`,
    refusedHeader: (s) => `Script ${s.name} cannot be deleted`,
    message: (s) => (
      <>
        The post-imaging script <strong>{s.name}</strong> will be deleted. This is refused while a master or an unfinished
        deployment uses it.
      </>
    ),
  });

  const columns: TableProps.ColumnDefinition<Row>[] = [
    { id: 'name', header: 'Name', cell: (s) => <RouterLink href={`/post-imaging-scripts/${s.id}`}>{s.name}</RouterLink>, sortingField: 'name', isRowHeader: true, width: 220 },
    { id: 'description', header: 'Description', cell: (s) => s.description || '—', width: 220 },
    { id: 'commands', header: 'Commands', cell: (s) => s.commands || '—', width: 300 },
    { id: 'lines', header: 'Lines', cell: (s) => s.lines.length, sortingField: 'lines', width: 100 },
    { id: 'masters', header: 'Associated masters', cell: (s) => (s.masterLabels.length ? s.masterLabels.join(', ') : '—'), sortingField: 'masters', width: 220 },
    { id: 'updatedAt', header: 'Last changed', cell: (s) => formatDateTime(s.updatedAt), sortingField: 'updatedAt', width: 190 },
    ...rowActionsColumn(canEdit, (s: Row) => ({
      ariaLabel: `Actions for script ${s.name}`,
      items: [
        { id: 'edit', text: 'Edit' },
        { id: 'delete', text: 'Delete' },
      ],
      onChoose: (id) => (id === 'edit' ? navigate(`/post-imaging-scripts/${s.id}`) : deletion.ask(s)),
    })),
  ];

  const create = canEdit ? (
    <Button variant="primary" onClick={() => navigate('/post-imaging-scripts/new')}>
      Create script
    </Button>
  ) : undefined;

  return (
    <>
      <CollectionTable
        collection={collection}
        query={scripts}
        what="post-imaging scripts"
        columnDefinitions={columns}
        wrapLines
        resizableColumns
        trackBy="id"
        variant="full-page"
        title="Post-imaging scripts"
        description={
          <Box variant="span" color="text-body-secondary">
            Commands run on the machines after a master is deployed. Scripts are shared by every entity of the tenant.
          </Box>
        }
        refreshLabel="Refresh scripts"
        actions={create}
        empty={{ title: 'No post-imaging scripts', subtitle: 'Automate what follows a deployment: sysprep, agent, drivers.', action: create }}
        filteringPlaceholder="Find scripts by name, command or master"
        filteringAriaLabel="Filter scripts"
      />
      {deletion.modal}
    </>
  );
}

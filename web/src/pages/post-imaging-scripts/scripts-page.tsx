import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { parsePostImagingScript, type PostImagingScript } from '@marrow/shared';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useMasters, usePostImagingScripts } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { ConfirmModal } from '../../components/confirm-modal';
import { EmptyState, tableEmpty, tableError } from '../../components/page-states';
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
  const [deleting, setDeleting] = useState<Row | null>(null);
  const rows = scripts.data?.map((s) => ({
    ...s,
    commands: parsePostImagingScript(s.lines)
      .steps.map((step) => (step.kind === 'command' ? step.command : 'custom'))
      .join(', '),
    masterLabels: (masters.data ?? []).filter((m) => m.postImagingScriptIds.includes(s.id)).map((m) => m.label),
  }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'name' } });
  const remove = useApiMutation({
    mutationFn: (s: Row) => api.postImagingScripts.remove(s.id),
    invalidates: ['post-imaging-scripts'],
    success: (_r, s) => `Post-imaging script ${s.name} deleted.`,
  });

  const columns: TableProps.ColumnDefinition<Row>[] = [
    { id: 'name', header: 'Name', cell: (s) => <RouterLink href={`/post-imaging-scripts/${s.id}`}>{s.name}</RouterLink>, sortingField: 'name', isRowHeader: true, width: 220 },
    { id: 'description', header: 'Description', cell: (s) => s.description || '—', width: 220 },
    { id: 'commands', header: 'Commands', cell: (s) => s.commands || '—', width: 300 },
    { id: 'lines', header: 'Lines', cell: (s) => s.lines.length, sortingField: 'lines', width: 100 },
    { id: 'masters', header: 'Associated masters', cell: (s) => (s.masterLabels.length ? s.masterLabels.join(', ') : '—'), sortingField: 'masters', width: 220 },
    { id: 'updatedAt', header: 'Last changed', cell: (s) => formatDateTime(s.updatedAt), sortingField: 'updatedAt', width: 190 },
    ...(canEdit
      ? [
          {
            id: 'actions',
            header: 'Actions',
            cell: (s: Row) => (
              <ButtonDropdown
                variant="inline-icon"
                ariaLabel={`Actions for script ${s.name}`}
                expandToViewport
                items={[
                  { id: 'edit', text: 'Edit' },
                  { id: 'delete', text: 'Delete' },
                ]}
                onItemClick={({ detail }) => (detail.id === 'edit' ? navigate(`/post-imaging-scripts/${s.id}`) : setDeleting(s))}
              />
            ),
          },
        ]
      : []),
  ];

  const create = canEdit ? (
    <Button variant="primary" onClick={() => navigate('/post-imaging-scripts/new')}>
      Create script
    </Button>
  ) : undefined;

  return (
    <>
      <Table
        {...collection.tableProps}
        columnDefinitions={columns}
        wrapLines
        resizableColumns
        trackBy="id"
        variant="full-page"
        stickyHeader
        loading={scripts.isPending}
        loadingText="Loading post-imaging scripts"
        empty={
          scripts.isError
            ? tableError(scripts.error, () => scripts.refetch(), 'post-imaging scripts')
            : tableEmpty(collection, <EmptyState title="No post-imaging scripts" subtitle="Automate what follows a deployment: sysprep, agent, drivers." action={create} />)
        }
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={scripts.data ? `(${scripts.data.length})` : undefined}
            description={
              <Box variant="span" color="text-body-secondary">
                Commands run on the machines after a master is deployed. Scripts are shared by every entity of the tenant.
              </Box>
            }
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh scripts" loading={scripts.isFetching} onClick={() => scripts.refetch()} />
                {create}
              </SpaceBetween>
            }
          >
            Post-imaging scripts
          </Header>
        }
        filter={<TextFilter {...collection.filterProps} filteringPlaceholder="Find scripts by name, command or master" filteringAriaLabel="Filter scripts" />}
        pagination={<Pagination {...collection.paginationProps} />}
      />
      {deleting && (
        <ConfirmModal
          header={`Delete script ${deleting.name}?`}
          confirmText="Delete"
          refusedHeader={`Script ${deleting.name} cannot be deleted`}
          onConfirm={() => remove.mutateAsync(deleting)}
          onClose={() => setDeleting(null)}
        >
          The post-imaging script <strong>{deleting.name}</strong> will be deleted. This is refused while a master or an unfinished
          deployment uses it.
        </ConfirmModal>
      )}
    </>
  );
}

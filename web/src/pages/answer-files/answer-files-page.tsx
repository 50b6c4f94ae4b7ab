import { useState } from 'react';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import HelpPanel from '@cloudscape-design/components/help-panel';
import Link from '@cloudscape-design/components/link';
import type { TableProps } from '@cloudscape-design/components/table';
import { postImagingReferences, type AnswerFile } from '@marrow/shared';
import { api } from '../../api/client';
import { useAnswerFiles, usePostImagingScripts } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { useCollection } from '../../collection/use-collection';
import { CollectionTable } from '../../components/collection-table';
import { useDeleteConfirmation } from '../../components/delete-confirmation';
import { rowActionsColumn } from '../../components/row-actions';
import { formatDateTime, formatNumber } from '../../format/format';
import { useHelpPanel } from '../../shell/shell-slots';
import { AnswerFileModal } from './answer-file-modal';

interface Row extends Omit<AnswerFile, 'content'> {
  /** Names of the scripts whose CopySysprep line names this file. */
  usedBy: string[];
}

const filterFields = (f: Row) => [f.name, f.description, ...f.usedBy];
const sortBy = {
  name: (f: Row) => f.name,
  sizeBytes: (f: Row) => f.sizeBytes,
  usedBy: (f: Row) => f.usedBy.length,
  updatedAt: (f: Row) => f.updatedAt,
};

function AnswerFilesHelp() {
  return (
    <HelpPanel header={<h2>Answer files</h2>}>
      <p>
        Windows answer files (<code>unattend.xml</code>) that the post-imaging command <code>CopySysprep NAME</code> writes onto deployed
        machines, with the machine&apos;s registered hostname as <code>ComputerName</code>.
      </p>
      <p>
        An answer file may hold domain-join credentials: the imaging server gives it only to a machine being deployed by a script that names
        it, once per boot, and <code>CopyRunAtOnce</code> deletes it from Windows at first boot.
      </p>
      <p>An answer file cannot be deleted while a post-imaging script names it.</p>
    </HelpPanel>
  );
}

/** The tenant's answer files, and the post-imaging scripts that use each. */
export default function AnswerFilesPage() {
  useHelpPanel(() => <AnswerFilesHelp />);
  const files = useAnswerFiles();
  const scripts = usePostImagingScripts();
  const canEdit = useCanEdit();
  const [editing, setEditing] = useState<{ fileId?: string } | null>(null);
  const rows = files.data?.map((f) => ({
    ...f,
    usedBy: (scripts.data ?? []).filter((s) => postImagingReferences(s.lines).answerFiles.includes(f.name)).map((s) => s.name),
  }));
  const collection = useCollection(rows, { filterFields, sortBy, defaultSort: { columnId: 'name' } });
  const deletion = useDeleteConfirmation({
    mutationFn: (f: Row) => api.answerFiles.remove(f.id),
    invalidates: ['answer-files'],
    success: (_r, f) => `Answer file ${f.name} deleted.`,
    header: (f) => `Delete answer file ${f.name}?`,
    refusedHeader: (f) => `Answer file ${f.name} cannot be deleted`,
    message: (f) => (
      <>
        The answer file <strong>{f.name}</strong> will be deleted. This is refused while a post-imaging script names it in a
        CopySysprep line.
      </>
    ),
  });

  const columns: TableProps.ColumnDefinition<Row>[] = [
    {
      id: 'name',
      header: 'Name',
      cell: (f) => (canEdit ? <Link onFollow={() => setEditing({ fileId: f.id })}>{f.name}</Link> : f.name),
      sortingField: 'name',
      isRowHeader: true,
      width: 220,
    },
    { id: 'description', header: 'Description', cell: (f) => f.description || '—', width: 260 },
    { id: 'sizeBytes', header: 'Size', cell: (f) => `${formatNumber(f.sizeBytes / 1024, undefined, 1)} KiB`, sortingField: 'sizeBytes', width: 110 },
    { id: 'usedBy', header: 'Used by scripts', cell: (f) => (f.usedBy.length ? f.usedBy.join(', ') : '—'), sortingField: 'usedBy', width: 240 },
    { id: 'updatedAt', header: 'Last changed', cell: (f) => formatDateTime(f.updatedAt), sortingField: 'updatedAt', width: 190 },
    ...rowActionsColumn(canEdit, (f: Row) => ({
      ariaLabel: `Actions for answer file ${f.name}`,
      items: [
        { id: 'edit', text: 'Edit' },
        { id: 'delete', text: 'Delete' },
      ],
      onChoose: (id) => (id === 'edit' ? setEditing({ fileId: f.id }) : deletion.ask(f)),
    })),
  ];

  const create = canEdit ? (
    <Button variant="primary" onClick={() => setEditing({})}>
      Create answer file
    </Button>
  ) : undefined;

  return (
    <>
      <CollectionTable
        collection={collection}
        query={files}
        what="answer files"
        columnDefinitions={columns}
        wrapLines
        resizableColumns
        trackBy="id"
        variant="full-page"
        title="Answer files"
        description={
          <Box variant="span" color="text-body-secondary">
            Windows answer files for <code>CopySysprep NAME</code>. Shared by every entity of the tenant.
          </Box>
        }
        actions={create}
        empty={{ title: 'No answer files', subtitle: 'Add the unattend.xml that CopySysprep writes onto deployed machines.', action: create }}
        filteringPlaceholder="Find answer files by name or script"
      />
      {editing && <AnswerFileModal {...editing} onClose={() => setEditing(null)} />}
      {deletion.modal}
    </>
  );
}

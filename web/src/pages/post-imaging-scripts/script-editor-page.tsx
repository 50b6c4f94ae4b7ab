import { useEffect, useMemo, useState } from 'react';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Multiselect from '@cloudscape-design/components/multiselect';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { postImagingCommands, postImagingScriptCreateSchema, type Master, type PostImagingScript } from '@marrow/shared';
import { useNavigate, useParams } from 'react-router';
import { ApiError, messageOf } from '../../api/api-error';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useMasters, usePostImagingScript } from '../../api/queries';
import { useCanEdit } from '../../auth/session';
import { PageForm } from '../../components/page-form';
import { EmptyState, ErrorState, PageLoading } from '../../components/page-states';
import { useEntityPaths } from '../../entities/selected-entity';
import { fieldErrors } from '../../forms/field-errors';
import { useHelpPanel } from '../../shell/shell-slots';
import { ScriptHelp } from './script-help';
import { ScriptLineRow } from './script-line-row';
import { blocksFromLines, commandNames, linesFromBlocks, newKey, problemsByBlock, starterBlocks, type ScriptBlock } from './script-lines';

/** Create or edit a post-imaging script: option blocks and custom lines, checked as you type. */
export default function ScriptEditorPage() {
  const { scriptId } = useParams();
  const script = usePostImagingScript(scriptId);
  const masters = useMasters(undefined, { allEntities: true });
  useHelpPanel(() => <ScriptHelp />);
  const title = scriptId ? 'Edit post-imaging script' : 'Create post-imaging script';
  let body;
  if ((scriptId && script.isPending) || masters.isPending) body = <PageLoading text="Loading the script" />;
  else if (script.isError) body = <ErrorState header="The script could not be loaded" error={script.error} onRetry={() => script.refetch()} />;
  else if (masters.isError) body = <ErrorState header="The masters could not be loaded" error={masters.error} onRetry={() => masters.refetch()} />;
  else body = <ScriptForm key={script.data?.id ?? 'new'} script={script.data} masters={masters.data ?? []} />;
  return <ContentLayout header={<Header variant="h1" description="Commands run on the machine after a master is deployed, in order.">{title}</Header>}>{body}</ContentLayout>;
}

function ScriptForm({ script, masters }: { script: PostImagingScript | undefined; masters: Master[] }) {
  const navigate = useNavigate();
  const canEdit = useCanEdit();
  const paths = useEntityPaths();
  const [name, setName] = useState(script?.name ?? '');
  const [description, setDescription] = useState(script?.description ?? '');
  const [blocks, setBlocks] = useState<ScriptBlock[]>(() => (script ? blocksFromLines(script.lines) : starterBlocks()));
  const initialMasters = useMemo(() => masters.filter((m) => script && m.postImagingScriptIds.includes(script.id)).map((m) => m.id), [masters, script]);
  const [masterIds, setMasterIds] = useState<string[]>(initialMasters);
  const [submitted, setSubmitted] = useState(false);
  useEffect(() => setMasterIds(initialMasters), [initialMasters]);

  const lines = linesFromBlocks(blocks);
  const save = useApiMutation({
    mutationFn: async () => {
      const body = { name, description, lines };
      const saved = script ? await api.postImagingScripts.update(script.id, body) : await api.postImagingScripts.create(body);
      // Association with masters: each master keeps the list of its scripts.
      for (const master of masters) {
        const had = master.postImagingScriptIds.includes(saved.id);
        const wants = masterIds.includes(master.id);
        if (had === wants) continue;
        const ids = wants ? [...master.postImagingScriptIds, saved.id] : master.postImagingScriptIds.filter((id) => id !== saved.id);
        await api.masters.update(master.id, { postImagingScriptIds: ids });
      }
      return saved;
    },
    invalidates: ['post-imaging-scripts', 'masters'],
    success: (s) => `Post-imaging script ${s.name} ${script ? 'saved' : 'created'}.`,
  });

  const local = fieldErrors(postImagingScriptCreateSchema, { name, description, lines });
  const server = save.error instanceof ApiError ? save.error : null;
  const lineProblems = problemsByBlock(blocks);
  const serverLines = server?.problemsUnder('body.lines') ?? {};
  const lineError = (index: number) => lineProblems.get(index) ?? serverLines[String(index)]?.replace(/^line \d+:\s*/, '');
  const show = (field: string) => (submitted ? local[field] : undefined) ?? server?.problemOf(`body.${field}`);
  const otherError = server && server.problems.some((p) => p.field.startsWith('body.')) ? null : save.error;

  const update = (index: number, block: ScriptBlock) => setBlocks((current) => current.map((b, i) => (i === index ? block : b)));
  const move = (index: number, by: -1 | 1) =>
    setBlocks((current) => {
      const next = [...current];
      [next[index], next[index + by]] = [next[index + by]!, next[index]!];
      return next;
    });
  const add = (id: string) =>
    setBlocks((current) => [
      ...current,
      id === 'custom' ? { key: newKey(), kind: 'custom', text: '' } : { key: newKey(), kind: 'command', command: id as keyof typeof postImagingCommands, argument: '' },
    ]);

  const submit = () => {
    setSubmitted(true);
    if (Object.keys(local).length || lineProblems.size) return;
    save.mutate(undefined, { onSuccess: () => navigate('/post-imaging-scripts') });
  };

  const masterOptions = masters.map((m) => ({
    value: m.id,
    label: m.label,
    description: [m.description, paths.get(m.entityId)].filter(Boolean).join(' · '),
  }));

  return (
    <PageForm
      onSubmit={submit}
      cancelText={canEdit ? 'Cancel' : 'Back'}
      onCancel={() => navigate('/post-imaging-scripts')}
      submitText={canEdit ? (script ? 'Save script' : 'Create script') : undefined}
      busy={save.isPending}
      submitTestId="save-script"
      errorText={
        otherError
          ? messageOf(otherError)
          : submitted && (lineProblems.size || local.lines)
            ? `Fix the ${lineProblems.size || 1} line${lineProblems.size > 1 ? 's' : ''} marked below.`
            : undefined
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Script details</Header>}>
          <SpaceBetween size="m">
            <FormField label="Name" errorText={show('name')}>
              <Input value={name} onChange={({ detail }) => setName(detail.value)} placeholder="Windows 11 — domain join" readOnly={!canEdit} />
            </FormField>
            <FormField label={<span>Description <i>- optional</i></span>} errorText={show('description')}>
              <Textarea value={description} onChange={({ detail }) => setDescription(detail.value)} rows={2} readOnly={!canEdit} />
            </FormField>
          </SpaceBetween>
        </Container>
        <Container
          header={
            <Header
              variant="h2"
              counter={`(${blocks.length})`}
              description="Run in this order after the master is restored. Each line is checked as you type."
              actions={
                canEdit ? (
                  <ButtonDropdown
                    items={[
                      ...commandNames.map((c) => ({ id: c, text: c, description: postImagingCommands[c].help })),
                      { id: 'custom', text: 'Custom line', description: 'A shell command run as is.' },
                    ]}
                    onItemClick={({ detail }) => add(detail.id)}
                  >
                    Add line
                  </ButtonDropdown>
                ) : undefined
              }
            >
              Lines
            </Header>
          }
        >
          {blocks.length === 0 ? (
            <EmptyState title="No lines" subtitle={submitted ? 'A script needs at least one line.' : 'Add the commands to run.'} />
          ) : (
            <SpaceBetween size="s">
                {blocks.map((block, index) => (
                  <ScriptLineRow
                    key={block.key}
                    block={block}
                    index={index}
                    count={blocks.length}
                    error={lineError(index)}
                    onChange={(b) => update(index, b)}
                    onMove={(by) => move(index, by)}
                    onRemove={() => setBlocks((current) => current.filter((_, i) => i !== index))}
                    readOnly={!canEdit}
                  />
                ))}
            </SpaceBetween>
          )}
          <ExpandableSection headerText="Script text" variant="footer">
            <pre className="marrow-script-text">{lines.join('\n') || '(empty)'}</pre>
          </ExpandableSection>
        </Container>
        <Container header={<Header variant="h2" description="Masters that run this script after they are deployed.">Associated masters</Header>}>
          <FormField label="Masters" stretch>
            <Multiselect
              selectedOptions={masterOptions.filter((o) => masterIds.includes(o.value))}
              options={masterOptions}
              onChange={({ detail }) => setMasterIds(detail.selectedOptions.map((o) => o.value!))}
              placeholder="Choose masters"
              filteringType="auto"
              empty="No masters yet"
              disabled={!canEdit}
            />
          </FormField>
        </Container>
      </SpaceBetween>
    </PageForm>
  );
}

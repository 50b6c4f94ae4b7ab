import { useState } from 'react';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { ANSWER_FILE_MAX_BYTES, answerFileCreateSchema, answerFileUpdateSchema, type AnswerFile } from '@marrow/shared';
import { api } from '../../api/client';
import { useApiMutation } from '../../api/mutations';
import { useAnswerFile } from '../../api/queries';
import { ErrorState } from '../../components/page-states';
import { ModalForm } from '../../forms/modal-form';
import { useFormErrors } from '../../forms/use-form-errors';

const TEMPLATE = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <!-- CopySysprep puts the machine's registered hostname here. -->
      <ComputerName>*</ComputerName>
    </component>
  </settings>
</unattend>
`;

/** Create an answer file, or edit one (its content is fetched first: lists leave it out). */
export function AnswerFileModal({ fileId, onClose }: { fileId?: string; onClose: () => void }) {
  const existing = useAnswerFile(fileId);
  if (!fileId) return <AnswerFileForm onClose={onClose} />;
  if (existing.data) return <AnswerFileForm file={existing.data} onClose={onClose} />;
  return (
    <ModalForm header="Edit answer file" submitText="Save" busy errorHeader="" onSubmit={() => undefined} onClose={onClose}>
      {existing.isError ? <ErrorState error={existing.error} onRetry={() => existing.refetch()} header="The answer file could not be loaded" /> : <Spinner />}
    </ModalForm>
  );
}

function AnswerFileForm({ file, onClose }: { file?: AnswerFile; onClose: () => void }) {
  const [name, setName] = useState(file?.name ?? '');
  const [description, setDescription] = useState(file?.description ?? '');
  const [content, setContent] = useState(file?.content ?? TEMPLATE);
  const body = file ? { description, content } : { name, description, content };
  const save = useApiMutation({
    mutationFn: () => (file ? api.answerFiles.update(file.id, body) : api.answerFiles.create(body as Parameters<typeof api.answerFiles.create>[0])),
    invalidates: ['answer-files'],
    success: (saved) => (file ? `Answer file ${saved.name} saved.` : `Answer file ${saved.name} created.`),
  });
  const form = useFormErrors(file ? answerFileUpdateSchema : answerFileCreateSchema, body, save.error);

  return (
    <ModalForm
      size="large"
      header={file ? `Edit answer file ${file.name}` : 'Create answer file'}
      submitText={file ? 'Save' : 'Create'}
      busy={save.isPending}
      error={form.unplaced}
      errorHeader={file ? 'The answer file could not be saved' : 'The answer file could not be created'}
      onSubmit={() => form.check() && save.mutate(undefined, { onSuccess: onClose })}
      onClose={onClose}
    >
      <FormField
        label="Name"
        description={file ? 'Fixed once created: post-imaging scripts refer to it.' : 'What post-imaging scripts write after CopySysprep, e.g. CopySysprep Win11-Domain.'}
        errorText={form.errorOf('name')}
      >
        <Input value={name} onChange={({ detail }) => setName(detail.value)} disabled={Boolean(file)} autoFocus={!file} disableBrowserAutocorrect />
      </FormField>
      <FormField label={<span>Description <i>- optional</i></span>} errorText={form.errorOf('description')}>
        <Input value={description} onChange={({ detail }) => setDescription(detail.value)} />
      </FormField>
      <FormField
        label="Content (unattend.xml)"
        description={`A Windows answer file, at most ${ANSWER_FILE_MAX_BYTES / 1024} KiB. It may hold domain-join credentials: the imaging server gives it once to each machine being deployed, and CopyRunAtOnce deletes it at first boot.`}
        errorText={form.errorOf('content')}
        stretch
      >
        <Textarea value={content} onChange={({ detail }) => setContent(detail.value)} rows={22} spellcheck={false} disableBrowserAutocorrect autoFocus={Boolean(file)} />
      </FormField>
    </ModalForm>
  );
}

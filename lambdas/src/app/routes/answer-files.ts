import { answerFileCreateSchema, answerFileSchema, answerFileUpdateSchema, type AnswerFile } from '@marrow/shared';
import { RecordExistsError } from '../../errors/marrow-error';
import { applyPatch, getOrNotFound, newMeta, updateRecord } from '../../catalogue/records';
import { scriptLinesUsing } from '../../catalogue/script-usage';
import { claimName, releaseName } from '../../catalogue/unique-names';
import { refuseIfUsed } from '../../catalogue/usage';
import { route } from '../route';
import { getRoute } from './crud';
import { listQuery, pageOf } from './common';

const tag = 'Answer files';
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
/** Listings leave the XML out (it may be large, and may hold credentials): GET one to read it. */
const answerFileSummarySchema = answerFileSchema.omit({ content: true });

export const answerFileRoutes = [
  route({
    method: 'get',
    path: '/v1/answer-files',
    summary: 'List answer files (without their content)',
    tag,
    access: 'read',
    query: listQuery,
    response: pageOf(answerFileSummarySchema),
    handle: async ({ deps, tenantId, query }) => {
      const page = await deps.store.list(tenantId, 'answerFile', { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return { ...page, items: page.items.map(({ content: _content, ...summary }) => summary) };
    },
  }),
  route({
    method: 'post',
    path: '/v1/answer-files',
    summary: 'Create an answer file (unattend.xml) that CopySysprep NAME writes onto deployed machines',
    tag,
    access: 'write',
    status: 201,
    body: answerFileCreateSchema,
    response: answerFileSchema,
    handle: async ({ deps, tenantId, body }) => {
      const answerFile: AnswerFile = { ...newMeta(tenantId, deps.clock()), id: deps.newId('answerFile'), ...body, sizeBytes: byteLength(body.content) };
      if (await claimName(deps.store, tenantId, 'answerFile', answerFile.name, answerFile.id)) {
        throw new RecordExistsError(`an answer file named "${answerFile.name}" exists already; edit it or choose another name`);
      }
      try {
        await deps.store.create(tenantId, 'answerFile', answerFile.id, answerFile);
      } catch (error) {
        await releaseName(deps.store, tenantId, 'answerFile', answerFile.name, answerFile.id);
        throw error;
      }
      return answerFile;
    },
  }),
  getRoute({ path: '/v1/answer-files', kind: 'answerFile', schema: answerFileSchema, summary: 'Get an answer file with its content', tag }),
  route({
    method: 'patch',
    path: '/v1/answer-files/:id',
    summary: 'Edit the description or the content of an answer file (its name is fixed: scripts refer to it)',
    tag,
    access: 'write',
    body: answerFileUpdateSchema,
    response: answerFileSchema,
    handle: ({ deps, tenantId, params, body }) =>
      updateRecord(deps.store, tenantId, 'answerFile', params.id!, deps.clock(), (file) => {
        const next = applyPatch(file, body);
        return { ...next, sizeBytes: byteLength(next.content) };
      }),
  }),
  route({
    method: 'delete',
    path: '/v1/answer-files/:id',
    summary: 'Delete an answer file (refused while a post-imaging script uses it in a CopySysprep line)',
    tag,
    access: 'write',
    status: 204,
    handle: async ({ deps, tenantId, params }) => {
      const file = await getOrNotFound(deps.store, tenantId, 'answerFile', params.id!);
      refuseIfUsed(`answer file "${file.name}"`, await scriptLinesUsing(deps.store, tenantId, 'CopySysprep', (name) => name === file.name));
      await deps.store.delete(tenantId, 'answerFile', file.id, file.version);
      await releaseName(deps.store, tenantId, 'answerFile', file.name, file.id);
    },
  }),
];

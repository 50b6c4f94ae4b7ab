import { z } from 'zod';
import { answerFileProblem } from '../rules/answer-file-check';
import { postImagingNamePattern } from '../rules/post-imaging-script';
import { idSchema, recordMetaSchema, textSchema } from './common';

/**
 * An answer file holds at most this many bytes (UTF-8). Real unattend.xml files are a few
 * KiB; the bound keeps the record well inside a DynamoDB item (400 KB) and the JSON body
 * of an API request (256 KiB, quotes and newlines escaped).
 */
export const ANSWER_FILE_MAX_BYTES = 128 * 1024;

/**
 * Names of answer files and agents: what `CopySysprep NAME` / `CopyAgent NAME` write in a
 * post-imaging script, so only the characters a script argument may hold.
 */
export const imagingFileNameSchema = z
  .string()
  .trim()
  .regex(postImagingNamePattern, 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit (as CopySysprep NAME writes it)');

const answerFileContentSchema = z
  .string()
  .refine((xml) => new TextEncoder().encode(xml).byteLength <= ANSWER_FILE_MAX_BYTES, `must be at most ${ANSWER_FILE_MAX_BYTES / 1024} KiB`)
  .superRefine((xml, ctx) => {
    if (new TextEncoder().encode(xml).byteLength > ANSWER_FILE_MAX_BYTES) return;
    const problem = answerFileProblem(xml);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  });

/**
 * A Windows answer file (unattend.xml) of the tenant, found by name: `CopySysprep NAME` puts
 * the machine's hostname into its ComputerName and writes it to Windows/Panther. It may hold
 * domain-join credentials, so an imaging server serves it once per boot, to an armed deploy.
 */
export const answerFileSchema = recordMetaSchema.extend({
  id: idSchema('answerFile'),
  name: imagingFileNameSchema,
  description: textSchema(500),
  content: z.string(),
  sizeBytes: z.number().int().nonnegative(),
});
export type AnswerFile = z.infer<typeof answerFileSchema>;

export const answerFileCreateSchema = z.strictObject({
  name: imagingFileNameSchema,
  description: textSchema(500).default(''),
  content: answerFileContentSchema,
});
/** The name is fixed once created: scripts refer to it. */
export const answerFileUpdateSchema = z.strictObject({
  description: textSchema(500).optional(),
  content: answerFileContentSchema.optional(),
});

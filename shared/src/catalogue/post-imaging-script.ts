import { z } from 'zod';
import { parsePostImagingScript } from '../rules/post-imaging-script';
import { idSchema, nameSchema, recordMetaSchema, textSchema } from './common';

const scriptLinesSchema = z
  .array(z.string())
  .min(1, 'a script needs at least one line')
  .superRefine((lines, ctx) => {
    for (const problem of parsePostImagingScript(lines).problems) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: [problem.line - 1] });
    }
  });

/** Ordered commands run by the imaging environment after a master is restored. */
export const postImagingScriptSchema = recordMetaSchema.extend({
  id: idSchema('postImagingScript'),
  name: nameSchema(100),
  description: textSchema(500),
  lines: z.array(z.string()),
});
export type PostImagingScript = z.infer<typeof postImagingScriptSchema>;

export const postImagingScriptCreateSchema = z.strictObject({
  name: nameSchema(100),
  description: textSchema(500).default(''),
  lines: scriptLinesSchema,
});
export const postImagingScriptUpdateSchema = z.strictObject({
  name: nameSchema(100).optional(),
  description: textSchema(500).optional(),
  lines: scriptLinesSchema.optional(),
});

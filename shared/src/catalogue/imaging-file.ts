import { z } from 'zod';
import { imagingFileNameSchema } from './answer-file';
import { idSchema, recordMetaSchema, textSchema, timestampSchema } from './common';

/**
 * Agents and driver sets: files a post-imaging script copies onto the deployed system
 * (`CopyAgent [AGENT]`, `CopyDrivers`). Their bytes live in the tenant's archive prefix;
 * they are uploaded straight to it through a short-lived URL, then verified (size and
 * SHA-256) before they exist at all: an upload that was not completed is never served.
 */

/**
 * Upload limits. Completing an upload re-reads the object to check its SHA-256 within one
 * API call (29 s on Lambda), which bounds what can be verified that way.
 */
export const AGENT_MAX_BYTES = 256 * 1024 * 1024;
export const DRIVER_SET_MAX_BYTES = 1024 * 1024 * 1024;

const sha256Schema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the file, 64 hex digits');

const AGENT_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** The installer kinds SetupComplete.cmd knows how to run (see lib/answer-file.sh). */
export const agentFileExtensions = ['.msi', '.exe', '.cmd', '.bat', '.ps1'] as const;
/** The archive kinds CopyDrivers unpacks (it tells them apart by their first bytes). */
export const driverSetFileExtensions = ['.zip', '.tar', '.tar.gz', '.tgz', '.tar.zst', '.tzst'] as const;

function fileNameSchema(extensions: readonly string[], what: string) {
  return z
    .string()
    .trim()
    .regex(AGENT_FILE, 'must be a file name: letters, digits, dots, dashes, underscores; at most 100')
    .refine((name) => extensions.some((ext) => name.toLowerCase().endsWith(ext)), `${what} must end with ${extensions.join(', ')}`);
}

export const agentFileNameSchema = fileNameSchema(agentFileExtensions, 'an agent installer');
export const driverSetFileNameSchema = fileNameSchema(driverSetFileExtensions, 'a driver set');

const fileFields = {
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  /** Key of the bytes in the archive, under the tenant prefix. */
  objectKey: z.string(),
  uploadedAt: timestampSchema,
};

/** An agent installer of the tenant, found by name (`CopyAgent NAME`; a bare CopyAgent copies "default"). */
export const agentSchema = recordMetaSchema.extend({
  id: idSchema('agent'),
  name: imagingFileNameSchema,
  description: textSchema(500),
  ...fileFields,
});
export type Agent = z.infer<typeof agentSchema>;

/** The driver set of one entity (`CopyDrivers`); entities without one use their nearest ancestor's. */
export const driverSetSchema = recordMetaSchema.extend({
  entityId: idSchema('entity'),
  ...fileFields,
});
export type DriverSet = z.infer<typeof driverSetSchema>;

/** A file being uploaded: nothing uses it until it is completed (POST /v1/uploads/:id/complete). */
export const fileUploadSchema = recordMetaSchema.extend({
  id: idSchema('upload'),
  target: z.enum(['agent', 'driverSet']),
  /** The agent's name (agents), or null. */
  name: z.string().nullable(),
  /** The entity (driver sets), or null. */
  entityId: z.string().nullable(),
  description: z.string(),
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  objectKey: z.string(),
  /** When the upload URL stops working. */
  expiresAt: timestampSchema,
});
export type FileUpload = z.infer<typeof fileUploadSchema>;

/** The answer to starting an upload: PUT the file's bytes to uploadUrl, then complete it. */
export const fileUploadStartedSchema = fileUploadSchema.extend({ uploadUrl: z.string() });

export const agentUploadCreateSchema = z.strictObject({
  name: imagingFileNameSchema,
  description: textSchema(500).default(''),
  fileName: agentFileNameSchema,
  sizeBytes: z.number().int().min(1, 'must be at least 1 (an empty installer)').max(AGENT_MAX_BYTES, `must be at most ${AGENT_MAX_BYTES / 1024 / 1024} MiB`),
  sha256: sha256Schema,
});

export const driverSetUploadCreateSchema = z.strictObject({
  fileName: driverSetFileNameSchema,
  sizeBytes: z.number().int().min(1, 'must be at least 1').max(DRIVER_SET_MAX_BYTES, `must be at most ${DRIVER_SET_MAX_BYTES / 1024 / 1024} MiB`),
  sha256: sha256Schema,
});

/** Edge contract (since v1): an answer file as the control plane gives it to an imaging server. */
export const edgeAnswerFileSchema = z.object({ name: z.string(), content: z.string() });
export type EdgeAnswerFile = z.infer<typeof edgeAnswerFileSchema>;

/** Edge contract (since v1): where an imaging server downloads an agent or a driver set (a short-lived URL). */
export const edgeFileDownloadSchema = z.object({
  name: z.string(),
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string(),
  url: z.string(),
  expiresAt: timestampSchema,
});
export type EdgeFileDownload = z.infer<typeof edgeFileDownloadSchema>;

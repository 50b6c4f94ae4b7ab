import { z } from 'zod';
import { bootServiceKinds } from '../catalogue/boot-service';
import { idSchema, timestampSchema } from '../catalogue/common';
import { startupMenuChoiceSchema } from '../catalogue/startup-menu';

/**
 * What an imaging server needs to answer PXE for its site without the cloud: the entities it
 * serves with their boot services, default startup menus and masters, the registered
 * machines, and the one-shot tasks armed for them. The edge stores the last snapshot it
 * pulled and keeps serving from it while the control plane is unreachable.
 *
 * Contract version 1 (issue 3). `version` is a digest of the content: equal versions mean
 * equal snapshots, so the edge asks with If-None-Match and gets 304 when nothing changed.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1;

export const snapshotBootServiceSchema = z.object({
  id: z.string(),
  kind: z.enum(bootServiceKinds),
  label: z.string(),
  enabled: z.boolean(),
  order: z.number().int(),
  ipxeScript: z.string().nullable(),
});

export const snapshotMasterSchema = z.object({
  id: z.string(),
  label: z.string(),
  description: z.string(),
  inDefaultStartupMenu: z.boolean(),
  /** Latest version number; 0 when the master has no image yet (then it is never offered). */
  version: z.number().int().nonnegative(),
  /**
   * The lines of the master's own post-imaging scripts, in order: what a deploy of it chosen
   * from the boot menu runs after the restore (since snapshot v1, optional).
   */
  postImagingScript: z.array(z.string()).optional(),
});

export const snapshotEntitySchema = z.object({
  id: idSchema('entity'),
  name: z.string(),
  bootServices: z.array(snapshotBootServiceSchema),
  startupMenu: z.object({ classic: startupMenuChoiceSchema, wol: startupMenuChoiceSchema }),
  masters: z.array(snapshotMasterSchema),
});
export type SnapshotEntity = z.infer<typeof snapshotEntitySchema>;

export const snapshotMachineSchema = z.object({
  id: idSchema('machine'),
  entityId: idSchema('entity'),
  mac: z.string(),
  hostname: z.string(),
});

/** A boot armed for one machine: its next PXE boot goes straight to the imaging environment. */
export const armedTaskSchema = z.object({
  kind: z.enum(['deploy', 'backup']),
  machineId: idSchema('machine'),
  mac: z.string(),
  deploymentId: idSchema('deployment').nullable(),
  masterId: idSchema('master').nullable(),
  wakeOnLan: z.boolean(),
  /** The post-imaging script lines to run after the restore, in order (since snapshot v1, optional). */
  postImagingScript: z.array(z.string()).optional(),
  /** A backup asked in the API (kind "backup"): the request its progress and result are reported to (since snapshot v1, optional). */
  backupRequestId: idSchema('backupRequest').optional(),
  /**
   * A deploy of a multicast deployment (since snapshot v1, optional): its machines receive each
   * partition from one udpcast session, which waits for this many of them.
   */
  multicast: z.object({ machines: z.number().int().positive() }).optional(),
});
export type ArmedTask = z.infer<typeof armedTaskSchema>;

export const catalogueSnapshotSchema = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  version: z.string(),
  generatedAt: timestampSchema,
  tenantId: idSchema('tenant'),
  imagingServerId: idSchema('imagingServer'),
  /** The entity the imaging server serves, first; then its descendants that have no server of their own. */
  entities: z.array(snapshotEntitySchema).min(1),
  machines: z.array(snapshotMachineSchema),
  armedTasks: z.array(armedTaskSchema),
});
export type CatalogueSnapshot = z.infer<typeof catalogueSnapshotSchema>;

import type {
  Agent,
  AnswerFile,
  Command,
  DriverSet,
  FileUpload,
  HealthReport,
  BackupImage,
  BackupRequest,
  BootService,
  Deployment,
  DeploymentTask,
  Entity,
  ImagingServer,
  Machine,
  Master,
  Page,
  PostImagingScript,
  StartupMenu,
  Tenant,
} from '@marrow/shared';

/** A user record as stored: the public user plus its password hash (never leaves the store layer). */
export interface StoredUser {
  id: string;
  username: string;
  role: 'msp-operator' | 'tenant-admin' | 'read-only';
  tenantIds: string[];
  passwordHash: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * The latest health of an imaging server (one record per server, keyed by its id): the
 * last report it sent and whether its last will arrived since.
 */
export interface ImagingServerHealth {
  tenantId: string;
  imagingServerId: string;
  lastReport: HealthReport | null;
  offlineSince: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * An imaging server's secrets, kept apart from the record the API shows: the hash of its
 * credential and of its current enrolment code.
 */
export interface ImagingServerSecret {
  tenantId: string;
  imagingServerId: string;
  credentialHash: string | null;
  enrolledAt: string | null;
  /** enrolmentCodeKey of the code issued last (to retire it when a new one is issued). */
  enrolmentCodeKey: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * A one-time enrolment code, in the system scope (the appliance does not know its tenant
 * yet), keyed by enrolmentCodeKey(code). Kept after use, so a second use is told so.
 */
export interface EnrolmentCode {
  tenantId: string;
  imagingServerId: string;
  expiresAt: string;
  usedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A message from an edge already applied (idempotency: each message id is applied once). Keyed "{imagingServerId}#{messageId}". */
export interface AppliedEdgeMessage {
  tenantId: string;
  imagingServerId: string;
  messageId: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/**
 * A command for an edge, kept until the edge acknowledges it: MQTT delivers it at once
 * (persistent session), and an edge that was offline longer than its session lasts pulls
 * the pending ones when it reconnects.
 */
export interface EdgeCommandRecord {
  tenantId: string;
  imagingServerId: string;
  /** The command as sent (see shared/src/telemetry/messages.ts). */
  command: Command;
  state: 'pending' | 'done' | 'failed';
  ackMessage: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** What each kind of record is, by the name the store knows it under. */
export interface CatalogueRecords {
  tenant: Tenant;
  user: StoredUser;
  entity: Entity;
  imagingServer: ImagingServer;
  machine: Machine;
  backupImage: BackupImage;
  master: Master;
  bootService: BootService;
  startupMenu: StartupMenu;
  postImagingScript: PostImagingScript;
  answerFile: AnswerFile;
  agent: Agent;
  /** Keyed by the entity's id: one driver set per entity. */
  driverSet: DriverSet;
  /** An upload of an agent or driver set that is not completed yet. */
  fileUpload: FileUpload;
  deployment: Deployment;
  deploymentTask: DeploymentTask;
  backupRequest: BackupRequest;
  imagingServerHealth: ImagingServerHealth;
  imagingServerSecret: ImagingServerSecret;
  enrolmentCode: EnrolmentCode;
  appliedEdgeMessage: AppliedEdgeMessage;
  edgeCommand: EdgeCommandRecord;
}

export type RecordKind = keyof CatalogueRecords;

/**
 * The field by which records of a kind can be listed as a group (the store keeps an index
 * on it): most records by their entity, a deployment's tasks by the deployment.
 * A record whose group field is null is in no group, with one exception: entities with
 * parentId null are grouped as the literal "root", so the top level of the entity tree is
 * listed with `{ group: 'root' }` (entity ids are "en_…", so it cannot clash).
 */
export const groupFieldOf: { readonly [K in RecordKind]?: keyof CatalogueRecords[K] & string } = {
  entity: 'parentId',
  imagingServer: 'entityId',
  machine: 'entityId',
  backupImage: 'entityId',
  master: 'entityId',
  bootService: 'entityId',
  deployment: 'entityId',
  deploymentTask: 'deploymentId',
  backupRequest: 'entityId',
  edgeCommand: 'imagingServerId',
};

/**
 * Records that belong to no tenant (the tenant list itself, users who sign in before a
 * tenant is known) live in this reserved scope. It cannot collide with a tenant id
 * (those are "tn_…").
 */
export const SYSTEM_SCOPE = '_system';

export interface ListQuery {
  /** Only records whose group field (see groupFieldOf) equals this value. */
  group?: string;
  /** 1–1000; the store may return fewer. */
  limit?: number;
  /** An opaque cursor from a previous page of the same query. */
  cursor?: string;
}

/**
 * The catalogue's storage port. Every call names the scope (the tenant, or SYSTEM_SCOPE)
 * and every key the store writes starts with it, so no call can reach another tenant's
 * records. Writes are single-item and conditional: the control plane never needs a
 * multi-item transaction (DynamoDB Local emulators lack them, and multi-step writes are
 * designed to be re-runnable instead).
 */
export interface CatalogueStore {
  get<K extends RecordKind>(scope: string, kind: K, id: string): Promise<CatalogueRecords[K] | undefined>;

  /** Pages in id order. A cursor from another scope, kind or group is refused (InvalidCursorError). */
  list<K extends RecordKind>(scope: string, kind: K, query?: ListQuery): Promise<Page<CatalogueRecords[K]>>;

  /** Stores a new record; RecordExistsError when the id is taken. */
  create<K extends RecordKind>(scope: string, kind: K, id: string, record: CatalogueRecords[K]): Promise<void>;

  /**
   * Replaces a record if its stored version is still `expectedVersion`; the new record must
   * carry version `expectedVersion + 1`. NotFoundError if it is gone, VersionConflictError
   * if it changed meanwhile.
   */
  replace<K extends RecordKind>(
    scope: string,
    kind: K,
    id: string,
    record: CatalogueRecords[K],
    expectedVersion: number,
  ): Promise<void>;

  /** Deletes a record (only at `expectedVersion` when given). Returns false when there was nothing to delete. */
  delete(scope: string, kind: RecordKind, id: string, expectedVersion?: number): Promise<boolean>;

  /**
   * Reserves a unique value (e.g. a MAC address within a tenant) for `ownerId`. Returns
   * undefined on success (or when `ownerId` already holds it), else the current owner's id.
   */
  claimUnique(scope: string, name: string, value: string, ownerId: string): Promise<string | undefined>;

  /** Frees a unique value, only if `ownerId` holds it. */
  releaseUnique(scope: string, name: string, value: string, ownerId: string): Promise<void>;
}

/** Reads every page of a query; for small per-tenant collections (statistics, reference checks). */
export async function listAll<K extends RecordKind>(
  store: CatalogueStore,
  scope: string,
  kind: K,
  query: Omit<ListQuery, 'cursor'> = {},
): Promise<CatalogueRecords[K][]> {
  const items: CatalogueRecords[K][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(scope, kind, { ...query, limit: 1000, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

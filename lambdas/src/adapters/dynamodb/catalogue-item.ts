import { ValidationError } from '../../errors/marrow-error';
import { groupFieldOf, SYSTEM_SCOPE, type CatalogueRecords, type RecordKind } from '../../ports/catalogue-store';
import { catalogueTable } from './table-definition';

/**
 * How catalogue records map onto the table's items (layout documented in
 * table-definition.ts). Every key starts with the scope, so a key built here can only
 * ever address the scope it was built for.
 */

const { partitionKey: PK, sortKey: SK, groupIndex } = catalogueTable;
const GSI_PK = groupIndex.partitionKey;
const GSI_SK = groupIndex.sortKey;

/** An entity without a parent is listed under this group (entity ids are "en_…", so no clash). */
export const ROOT_GROUP = 'root';

/** Runtime list of kinds: callers from plain JS or bad casts must not invent partitions. */
const knownKinds: { readonly [K in RecordKind]: true } = {
  tenant: true,
  user: true,
  entity: true,
  imagingServer: true,
  machine: true,
  backupImage: true,
  master: true,
  bootService: true,
  startupMenu: true,
  postImagingScript: true,
  answerFile: true,
  agent: true,
  driverSet: true,
  fileUpload: true,
  deployment: true,
  deploymentTask: true,
  backupRequest: true,
  imagingServerHealth: true,
  imagingServerSecret: true,
  enrolmentCode: true,
  appliedEdgeMessage: true,
  edgeCommand: true,
};

const tenantIdPattern = /^tn_[0-9A-HJKMNP-TV-Z]{26}$/;

/** DynamoDB sort keys hold at most 1024 bytes; our ids and unique values are far shorter. */
const MAX_KEY_PART_LENGTH = 512;

/** The scope is the tenancy boundary: only a tenant id or the system scope may open a partition. */
export function checkScope(scope: string): void {
  if (typeof scope !== 'string' || (scope !== SYSTEM_SCOPE && !tenantIdPattern.test(scope))) {
    throw new ValidationError('scope must be a tenant id or the system scope');
  }
}

export function checkKind(kind: string): asserts kind is RecordKind {
  if (!Object.hasOwn(knownKinds, kind)) throw new ValidationError(`unknown record kind "${kind}"`);
}

/** Empty strings are not valid DynamoDB key values; the length cap keeps keys under 1 KB. */
export function checkKeyPart(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_PART_LENGTH) {
    throw new ValidationError(`${what} must be a non-empty string of at most ${MAX_KEY_PART_LENGTH} characters`);
  }
}

export function recordPartition(scope: string, kind: RecordKind): string {
  return `${scope}#${kind}`;
}

export function groupPartition(scope: string, kind: RecordKind, group: string): string {
  return `${scope}#${kind}#${group}`;
}

export function recordKey(scope: string, kind: RecordKind, id: string): Record<string, string> {
  return { [PK]: recordPartition(scope, kind), [SK]: id };
}

export function uniqueKey(scope: string, name: string, value: string): Record<string, string> {
  return { [PK]: `${scope}#unique#${name}`, [SK]: value };
}

/**
 * The group a record is indexed under, or undefined when its kind has no group field or
 * the field is null. Top-level entities (parentId null) are grouped as ROOT_GROUP so the
 * tree's first level can be listed like any other.
 */
export function groupOf<K extends RecordKind>(kind: K, record: CatalogueRecords[K]): string | undefined {
  const field = groupFieldOf[kind];
  if (field === undefined) return undefined;
  const value: unknown = record[field];
  if (typeof value === 'string' && value.length > 0) return value;
  if (kind === 'entity' && (value === null || value === undefined)) return ROOT_GROUP;
  return undefined;
}

/** The whole item for a record: keys, the group index keys when grouped, the version and the record. */
export function recordItem<K extends RecordKind>(
  scope: string,
  kind: K,
  id: string,
  record: CatalogueRecords[K],
): Record<string, unknown> {
  const group = groupOf(kind, record);
  return {
    ...recordKey(scope, kind, id),
    ...(group === undefined ? {} : { [GSI_PK]: groupPartition(scope, kind, group), [GSI_SK]: id }),
    version: record.version,
    record,
  };
}

export const itemAttributes = { PK, SK, GSI_PK, GSI_SK } as const;

import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Page } from '@marrow/shared';
import {
  MarrowError,
  NotFoundError,
  RecordExistsError,
  ValidationError,
  VersionConflictError,
} from '../../errors/marrow-error';
import {
  groupFieldOf,
  type CatalogueRecords,
  type CatalogueStore,
  type ListQuery,
  type RecordKind,
} from '../../ports/catalogue-store';
import { awsErrorName, translateTransientError } from '../aws-errors';
import {
  checkKeyPart,
  checkKind,
  checkScope,
  groupPartition,
  itemAttributes,
  recordItem,
  recordKey,
  recordPartition,
  uniqueKey,
} from './catalogue-item';
import { checkStartKey, decodeListCursor, encodeListCursor, type CursorQuery, type StartKey } from './list-cursor';
import { catalogueTable } from './table-definition';

const { PK, SK, GSI_PK, GSI_SK } = itemAttributes;

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** A claim that keeps vanishing between our failed put and our read is contention, not a bug. */
const CLAIM_ATTEMPTS = 3;

export interface DynamoDbCatalogueStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/**
 * The catalogue on one DynamoDB table (layout in table-definition.ts). Every write is a
 * single conditional Put or Delete: no transactions, so dynalite serves locally what
 * DynamoDB serves in the cloud. Each item keeps the record as a map plus a top-level
 * `version`, which the conditions compare (cheaper and clearer than a nested path).
 */
export class DynamoDbCatalogueStore implements CatalogueStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbCatalogueStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get<K extends RecordKind>(scope: string, kind: K, id: string): Promise<CatalogueRecords[K] | undefined> {
    checkRecordAddress(scope, kind, id);
    const { Item } = await this.send('GetItem', () =>
      this.client.send(
        // Strongly consistent: an API read right after a write must see it.
        new GetCommand({ TableName: this.tableName, Key: recordKey(scope, kind, id), ConsistentRead: true }),
      ),
    );
    return Item === undefined ? undefined : (Item.record as CatalogueRecords[K]);
  }

  async list<K extends RecordKind>(scope: string, kind: K, query: ListQuery = {}): Promise<Page<CatalogueRecords[K]>> {
    checkScope(scope);
    checkKind(kind);
    const group = query.group ?? null;
    if (group !== null) {
      checkKeyPart('group', group);
      if (groupFieldOf[kind] === undefined) throw new ValidationError(`records of kind "${kind}" have no group`);
    }
    const limit = clampLimit(query.limit);
    const cursorQuery: CursorQuery = { scope, kind, group };
    const startKey = query.cursor === undefined ? undefined : this.startKeyFor(query.cursor, cursorQuery);

    const input: QueryCommandInput =
      group === null
        ? {
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':pk': recordPartition(scope, kind) },
            ConsistentRead: true,
          }
        : {
            // GSI reads are eventually consistent (DynamoDB offers nothing else there).
            TableName: this.tableName,
            IndexName: catalogueTable.groupIndex.name,
            KeyConditionExpression: '#gpk = :gpk',
            ExpressionAttributeNames: { '#gpk': GSI_PK },
            ExpressionAttributeValues: { ':gpk': groupPartition(scope, kind, group) },
          };
    // One extra item tells us whether another page exists, so a list that ends exactly at
    // a page boundary does not hand out a cursor to an empty page.
    const { Items = [], LastEvaluatedKey } = await this.send('Query', () =>
      this.client.send(
        new QueryCommand({
          ...input,
          ScanIndexForward: true,
          Limit: limit + 1,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      ),
    );

    const items = Items.slice(0, limit);
    let nextKey: StartKey | undefined;
    if (Items.length > limit) {
      nextKey = keyOfItem(items[items.length - 1]!, group !== null);
    } else if (LastEvaluatedKey !== undefined) {
      // DynamoDB stopped early (1 MB per page): continue where it stopped.
      nextKey = keyOfItem(LastEvaluatedKey, group !== null);
    }
    return {
      items: items.map((item) => item.record as CatalogueRecords[K]),
      ...(nextKey === undefined ? {} : { nextCursor: encodeListCursor(cursorQuery, nextKey) }),
    };
  }

  async create<K extends RecordKind>(scope: string, kind: K, id: string, record: CatalogueRecords[K]): Promise<void> {
    checkRecordAddress(scope, kind, id);
    checkVersion(record.version);
    try {
      await this.send('PutItem', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: recordItem(scope, kind, id, record),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new RecordExistsError(`${kind} ${id} exists already`, { cause: error });
      }
      throw error;
    }
  }

  async replace<K extends RecordKind>(
    scope: string,
    kind: K,
    id: string,
    record: CatalogueRecords[K],
    expectedVersion: number,
  ): Promise<void> {
    checkRecordAddress(scope, kind, id);
    checkVersion(expectedVersion);
    if (record.version !== expectedVersion + 1) {
      // A caller bug, not a client error: the service layer owns version bumps.
      throw new MarrowError(`the new ${kind} must carry version ${expectedVersion + 1}, not ${record.version}`);
    }
    try {
      await this.send('PutItem', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: recordItem(scope, kind, id, record),
            ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
            ExpressionAttributeNames: { '#pk': PK, '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The condition does not say which half failed; a consistent read does (dynalite has
      // no ReturnValuesOnConditionCheckFailure).
      const current = await this.get(scope, kind, id);
      if (current === undefined) throw new NotFoundError(`${kind} ${id} does not exist`, { cause: error });
      throw new VersionConflictError(`${kind} ${id} changed meanwhile (now version ${current.version})`, {
        cause: error,
        details: { currentVersion: current.version },
      });
    }
  }

  async delete(scope: string, kind: RecordKind, id: string, expectedVersion?: number): Promise<boolean> {
    checkRecordAddress(scope, kind, id);
    if (expectedVersion !== undefined) checkVersion(expectedVersion);
    try {
      const { Attributes } = await this.send('DeleteItem', () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: recordKey(scope, kind, id),
            ReturnValues: 'ALL_OLD',
            // A missing item passes the condition so that deleting nothing answers false.
            ...(expectedVersion === undefined
              ? {}
              : {
                  ConditionExpression: 'attribute_not_exists(#pk) OR #version = :expected',
                  ExpressionAttributeNames: { '#pk': PK, '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        ),
      );
      return Attributes !== undefined;
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new VersionConflictError(`${kind} ${id} changed meanwhile`, { cause: error });
      }
      throw error;
    }
  }

  async claimUnique(scope: string, name: string, value: string, ownerId: string): Promise<string | undefined> {
    checkUniqueAddress(scope, name, value, ownerId);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        await this.send('PutItem', () =>
          this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...uniqueKey(scope, name, value), owner: ownerId },
              ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner',
              ExpressionAttributeNames: { '#pk': PK, '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': ownerId },
            }),
          ),
        );
        return undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await this.send('GetItem', () =>
        this.client.send(
          new GetCommand({ TableName: this.tableName, Key: uniqueKey(scope, name, value), ConsistentRead: true }),
        ),
      );
      const owner: unknown = Item?.owner;
      if (typeof owner === 'string') return owner;
      // Released between our put and our read: try again.
    }
    throw new MarrowError(`could not claim ${name} ${value}: the claim keeps changing`);
  }

  async releaseUnique(scope: string, name: string, value: string, ownerId: string): Promise<void> {
    checkUniqueAddress(scope, name, value, ownerId);
    try {
      await this.send('DeleteItem', () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: uniqueKey(scope, name, value),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': ownerId },
          }),
        ),
      );
    } catch (error) {
      // Someone else holds it (or nobody does): releasing is then a no-op by contract.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** A cursor may only continue the partition this query reads. */
  private startKeyFor(cursor: string, query: CursorQuery): StartKey {
    const key = decodeListCursor(cursor, query);
    const kind = query.kind as RecordKind;
    return query.group === null
      ? checkStartKey(key, { [PK]: recordPartition(query.scope, kind) }, [SK])
      : checkStartKey(
          key,
          { [PK]: recordPartition(query.scope, kind), [GSI_PK]: groupPartition(query.scope, kind, query.group) },
          [SK, GSI_SK],
        );
  }

  /** Runs one SDK call, turning throttling, 5xx and network failures into StorageUnavailableError. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateTransientError(error, `DynamoDB ${operation}`);
    }
  }
}

function checkRecordAddress(scope: string, kind: string, id: string): void {
  checkScope(scope);
  checkKind(kind);
  checkKeyPart('id', id);
}

function checkUniqueAddress(scope: string, name: string, value: string, ownerId: string): void {
  checkScope(scope);
  checkKeyPart('unique name', name);
  checkKeyPart('unique value', value);
  checkKeyPart('owner id', ownerId);
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new MarrowError(`record versions are positive integers, not ${String(version)}`);
  }
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

function isConditionFailure(error: unknown): boolean {
  return awsErrorName(error) === 'ConditionalCheckFailedException';
}

/** The start key of the page after `item`: the table key, plus the index key on the GSI. */
function keyOfItem(item: Record<string, unknown>, onIndex: boolean): StartKey {
  const names = onIndex ? [PK, SK, GSI_PK, GSI_SK] : [PK, SK];
  const key: StartKey = {};
  for (const name of names) {
    const value = item[name];
    if (typeof value !== 'string') throw new MarrowError(`catalogue item lacks its key attribute ${name}`);
    key[name] = value;
  }
  return key;
}

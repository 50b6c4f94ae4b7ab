import { createHash } from 'node:crypto';
import type { Agent, DriverSet, FileUpload } from '@marrow/shared';
import type { AppDeps } from '../app/deps';
import { ConflictError } from '../errors/marrow-error';
import { getOrNotFound, newMeta, updateRecord } from './records';
import { claimName, findByName } from './unique-names';

/**
 * Agents and driver sets: files uploaded by people (portal, CLI) straight to the tenant's
 * archive prefix through a short-lived URL, then completed. Completing checks the size and
 * SHA-256 that were announced against the bytes actually stored; only then does the agent
 * (or driver set) exist, so an upload that was never completed is never listed nor served.
 */

/** An upload URL works this long: time enough to move the largest driver set over a slow link. */
export const FILE_UPLOAD_URL_SECONDS = 60 * 60;
/** Completion reads the object back in pieces of this size to hash it. */
const HASH_PIECE_BYTES = 8 * 1024 * 1024;

export type FileUploadStarted = FileUpload & { uploadUrl: string };

export interface AgentUploadRequest {
  name: string;
  description: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
}

export type DriverSetUploadRequest = Omit<AgentUploadRequest, 'name' | 'description'>;

export async function startAgentUpload(deps: AppDeps, tenantId: string, request: AgentUploadRequest): Promise<FileUploadStarted> {
  const id = deps.newId('upload');
  return startUpload(deps, tenantId, {
    id,
    target: 'agent',
    name: request.name,
    entityId: null,
    description: request.description,
    fileName: request.fileName,
    sizeBytes: request.sizeBytes,
    sha256: request.sha256,
    objectKey: `agents/${id}/${request.fileName}`,
  });
}

export async function startDriverSetUpload(deps: AppDeps, tenantId: string, entityId: string, request: DriverSetUploadRequest): Promise<FileUploadStarted> {
  const entity = await getOrNotFound(deps.store, tenantId, 'entity', entityId);
  const id = deps.newId('upload');
  return startUpload(deps, tenantId, {
    id,
    target: 'driverSet',
    name: null,
    entityId: entity.id,
    description: '',
    fileName: request.fileName,
    sizeBytes: request.sizeBytes,
    sha256: request.sha256,
    objectKey: `driver-sets/${entity.id}/${id}/${request.fileName}`,
  });
}

async function startUpload(deps: AppDeps, tenantId: string, fields: Omit<FileUpload, 'tenantId' | 'createdAt' | 'updatedAt' | 'version' | 'expiresAt'>): Promise<FileUploadStarted> {
  const now = deps.clock();
  const upload: FileUpload = { ...newMeta(tenantId, now), ...fields, expiresAt: new Date(now.getTime() + FILE_UPLOAD_URL_SECONDS * 1000).toISOString() };
  await deps.store.create(tenantId, 'fileUpload', upload.id, upload);
  return { ...upload, uploadUrl: await deps.archive.presignPut(tenantId, upload.objectKey, FILE_UPLOAD_URL_SECONDS) };
}

/**
 * Completes an upload: the stored bytes must have the announced size and SHA-256 (else they
 * are deleted, and the same URL takes them again while it lasts). The agent of that name,
 * or the entity's driver set, then points at the new bytes; the bytes it replaces go last,
 * so an interruption leaves an unreachable object, never a record without its file.
 */
export async function completeUpload(deps: AppDeps, tenantId: string, uploadId: string): Promise<Agent | DriverSet> {
  const upload = await getOrNotFound(deps.store, tenantId, 'fileUpload', uploadId);
  await verifyUploadedBytes(deps, upload);
  const now = deps.clock().toISOString();
  const file = { fileName: upload.fileName, sizeBytes: upload.sizeBytes, sha256: upload.sha256, objectKey: upload.objectKey, uploadedAt: now };
  let replacedKey: string | undefined;
  let result: Agent | DriverSet;
  if (upload.target === 'agent') {
    const name = upload.name!;
    const agentId = deps.newId('agent');
    const holder = await claimName(deps.store, tenantId, 'agent', name, agentId);
    if (holder) {
      result = await updateRecord(deps.store, tenantId, 'agent', holder, deps.clock(), (agent) => {
        replacedKey = agent.objectKey;
        return { ...agent, ...file, description: upload.description || agent.description };
      });
    } else {
      result = { ...newMeta(tenantId, deps.clock()), id: agentId, name, description: upload.description, ...file } satisfies Agent;
      await deps.store.create(tenantId, 'agent', agentId, result);
    }
  } else {
    const entityId = upload.entityId!;
    await getOrNotFound(deps.store, tenantId, 'entity', entityId);
    const existing = await deps.store.get(tenantId, 'driverSet', entityId);
    if (existing) {
      result = await updateRecord(deps.store, tenantId, 'driverSet', entityId, deps.clock(), (set) => {
        replacedKey = set.objectKey;
        return { ...set, ...file };
      });
    } else {
      result = { ...newMeta(tenantId, deps.clock()), entityId, ...file } satisfies DriverSet;
      await deps.store.create(tenantId, 'driverSet', entityId, result);
    }
  }
  await deps.store.delete(tenantId, 'fileUpload', upload.id);
  if (replacedKey && replacedKey !== upload.objectKey) await deps.archive.delete(tenantId, [replacedKey]);
  return result;
}

async function verifyUploadedBytes(deps: AppDeps, upload: FileUpload): Promise<void> {
  const stored = await deps.archive.head(upload.tenantId, upload.objectKey);
  if (!stored) throw new ConflictError(`nothing was uploaded yet for ${upload.fileName}: PUT the file to the upload URL first, then complete`);
  const refuse = async (why: string) => {
    await deps.archive.delete(upload.tenantId, [upload.objectKey]);
    throw new ConflictError(`${why}; the uploaded bytes were discarded: PUT the file again (the upload URL works until ${upload.expiresAt}), then complete`);
  };
  if (stored.sizeBytes !== upload.sizeBytes) await refuse(`the uploaded file has ${stored.sizeBytes} bytes, not the ${upload.sizeBytes} announced`);
  const hash = createHash('sha256');
  let head: Uint8Array | undefined;
  for (let at = 0; at < stored.sizeBytes; at += HASH_PIECE_BYTES) {
    const piece = await deps.archive.getRange(upload.tenantId, upload.objectKey, at, Math.min(at + HASH_PIECE_BYTES, stored.sizeBytes) - 1);
    if (!piece) throw new ConflictError(`the upload of ${upload.fileName} disappeared while it was being checked; upload it again`);
    head ??= piece;
    hash.update(piece);
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== upload.sha256) await refuse(`the uploaded file's SHA-256 is ${sha256}, not the ${upload.sha256} announced`);
  if (upload.target === 'driverSet' && !archiveKindOf(head ?? new Uint8Array(0))) {
    await refuse(`${upload.fileName} is neither a zip nor a tar archive (plain, .gz or .zst), which is what CopyDrivers unpacks`);
  }
}

/** What CopyDrivers will make of the file, by its first bytes (the same test as CopyDrivers.sh). */
export function archiveKindOf(head: Uint8Array): 'zip' | 'tar.zst' | 'tar.gz' | 'tar' | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'tar.zst';
  if (starts(0x1f, 0x8b)) return 'tar.gz';
  if (Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** The tenant's agent of that name (what `CopyAgent NAME` copies). */
export async function agentByName(deps: Pick<AppDeps, 'store'>, tenantId: string, name: string): Promise<Agent | undefined> {
  return findByName(deps.store, tenantId, 'agent', name);
}

/** A driver set applies to its entity and to the entities below it that have none of their own. */
export async function driverSetFor(deps: Pick<AppDeps, 'store'>, tenantId: string, entityId: string): Promise<DriverSet | undefined> {
  const seen = new Set<string>();
  for (let id: string | null = entityId; id && !seen.has(id); ) {
    seen.add(id);
    const set = await deps.store.get(tenantId, 'driverSet', id);
    if (set) return set;
    id = (await deps.store.get(tenantId, 'entity', id))?.parentId ?? null;
  }
  return undefined;
}

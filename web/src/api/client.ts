import type { z } from 'zod';
import type {
  AnswerFile,
  BackupImage,
  BackupRequest,
  BootService,
  Deployment,
  DeploymentTask,
  Entity,
  EntityStatistics,
  ImagingServer,
  ImagingServerStatusView,
  Machine,
  Master,
  PostImagingScript,
  Role,
  StartupMenu,
  StorageCollection,
  Tenant,
  User,
  answerFileCreateSchema,
  answerFileUpdateSchema,
  backupImageUpdateSchema,
  backupRequestCreateSchema,
  bootServiceCreateSchema,
  bootServiceUpdateSchema,
  deploymentCreateSchema,
  deploymentUpdateSchema,
  entityCreateSchema,
  entityUpdateSchema,
  imagingServerCreateSchema,
  imagingServerUpdateSchema,
  machineCreateSchema,
  machineUpdateSchema,
  masterUpdateSchema,
  postImagingScriptCreateSchema,
  postImagingScriptUpdateSchema,
  startupMenuUpdateSchema,
  storageCollectionRequestSchema,
  userCreateSchema,
} from '@marrow/shared';
import { ApiError, errorFromResponse, networkError } from './api-error';

/**
 * The portal's one way to the control-plane API: a typed function per route, the bearer
 * token and the tenant header added to every call, every failure turned into an ApiError.
 * The session (auth/) sets the credentials; react-query hooks (queries.ts) call these.
 */

type In<S extends z.ZodType> = z.input<S>;

export interface Me {
  userId: string;
  username: string;
  role: Role;
  tenantIds: string[];
}

/** A one-time code the appliance exchanges for its own credential (`marrow-edge enroll CODE`). */
export interface EnrolmentCode {
  enrolmentCode: string;
  enrolmentCodeExpiresAt: string;
}

export interface LoginAnswer {
  token: string;
  expiresAt: string;
  user: User;
}

interface Credentials {
  token: string | null;
  tenantId: string | null;
}

const credentials: Credentials = { token: null, tenantId: null };
let onUnauthorized: (error: ApiError) => void = () => undefined;

/** Called by the session when it signs in, switches tenant or signs out. */
export function setCredentials(next: Partial<Credentials>): void {
  Object.assign(credentials, next);
}

/** Called once by the session: what to do when the API says the token is no longer good. */
export function setUnauthorizedHandler(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Act in this tenant instead of the session's (the fleet view of an operator). */
  tenantId?: string;
  signal?: AbortSignal;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
  const tenantId = options.tenantId ?? credentials.tenantId;
  if (tenantId) headers['x-marrow-tenant'] = tenantId;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) search.set(key, String(value));
  const url = search.size ? `${path}?${search}` : path;

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw error;
    throw networkError(error);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = errorFromResponse(response.status, body);
    if (response.status === 401 && credentials.token) onUnauthorized(error);
    throw error;
  }
  return body as T;
}

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Every item of a list route, following its cursors (500 per page, the API's maximum). */
async function listAll<T>(path: string, query: Record<string, string | undefined> = {}, tenantId?: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page: Page<T> = await request<Page<T>>('GET', path, {
      query: { ...query, limit: 500, cursor },
      ...(tenantId ? { tenantId } : {}),
    });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

const id = encodeURIComponent;

export const api = {
  auth: {
    login: (username: string, password: string) => request<LoginAnswer>('POST', '/v1/auth/login', { body: { username, password } }),
    me: () => request<Me>('GET', '/v1/auth/me'),
  },
  tenants: {
    list: () => request<{ items: Tenant[] }>('GET', '/v1/tenants').then((r) => r.items),
  },
  users: {
    list: () => request<{ items: User[] }>('GET', '/v1/users').then((r) => r.items),
    create: (body: In<typeof userCreateSchema>) => request<User>('POST', '/v1/users', { body }),
    remove: (username: string) => request<void>('DELETE', `/v1/users/${id(username)}`),
  },
  entities: {
    list: (tenantId?: string) => listAll<Entity>('/v1/entities', {}, tenantId),
    create: (body: In<typeof entityCreateSchema>) => request<Entity>('POST', '/v1/entities', { body }),
    update: (entityId: string, body: In<typeof entityUpdateSchema>) => request<Entity>('PATCH', `/v1/entities/${id(entityId)}`, { body }),
    remove: (entityId: string) => request<void>('DELETE', `/v1/entities/${id(entityId)}`),
    statistics: (entityId: string) => request<EntityStatistics>('GET', `/v1/entities/${id(entityId)}/statistics`),
    imagingServerStatus: (entityId: string, tenantId?: string) =>
      request<ImagingServerStatusView>('GET', `/v1/entities/${id(entityId)}/imaging-server`, tenantId ? { tenantId } : {}),
    startupMenu: (entityId: string) => request<StartupMenu>('GET', `/v1/entities/${id(entityId)}/startup-menu`),
    updateStartupMenu: (entityId: string, body: In<typeof startupMenuUpdateSchema>) =>
      request<StartupMenu>('PUT', `/v1/entities/${id(entityId)}/startup-menu`, { body }),
  },
  imagingServers: {
    list: () => listAll<ImagingServer>('/v1/imaging-servers'),
    /** The answer carries the appliance's first one-time enrolment code. */
    create: (body: In<typeof imagingServerCreateSchema>) => request<ImagingServer & EnrolmentCode>('POST', '/v1/imaging-servers', { body }),
    /** A new one-time code; the previous unused one stops working. */
    issueEnrolmentCode: (serverId: string) => request<EnrolmentCode>('POST', `/v1/imaging-servers/${id(serverId)}/enrolment-code`),
    update: (serverId: string, body: In<typeof imagingServerUpdateSchema>) =>
      request<ImagingServer>('PATCH', `/v1/imaging-servers/${id(serverId)}`, { body }),
    remove: (serverId: string) => request<void>('DELETE', `/v1/imaging-servers/${id(serverId)}`),
  },
  machines: {
    list: (entityId?: string) => listAll<Machine>('/v1/machines', { entityId }),
    create: (body: In<typeof machineCreateSchema>) => request<Machine>('POST', '/v1/machines', { body }),
    update: (machineId: string, body: In<typeof machineUpdateSchema>) => request<Machine>('PATCH', `/v1/machines/${id(machineId)}`, { body }),
    remove: (machineId: string) => request<void>('DELETE', `/v1/machines/${id(machineId)}`),
  },
  backupImages: {
    list: (entityId?: string) => listAll<BackupImage>('/v1/backup-images', { entityId }),
    update: (backupId: string, body: In<typeof backupImageUpdateSchema>) =>
      request<BackupImage>('PATCH', `/v1/backup-images/${id(backupId)}`, { body }),
    remove: (backupId: string) => request<void>('DELETE', `/v1/backup-images/${id(backupId)}`),
    promote: (backupId: string, body: { description: string; inDefaultStartupMenu: boolean }) =>
      request<Master>('POST', `/v1/backup-images/${id(backupId)}/promote`, { body }),
  },
  backupRequests: {
    list: (entityId?: string) => listAll<BackupRequest>('/v1/backup-requests', { entityId }),
    create: (body: In<typeof backupRequestCreateSchema>) => request<BackupRequest>('POST', '/v1/backup-requests', { body }),
    cancel: (requestId: string) => request<BackupRequest>('POST', `/v1/backup-requests/${id(requestId)}/cancel`),
  },
  masters: {
    list: (entityId?: string) => listAll<Master>('/v1/masters', { entityId }),
    update: (masterId: string, body: In<typeof masterUpdateSchema>) => request<Master>('PATCH', `/v1/masters/${id(masterId)}`, { body }),
    /** A ready backup image becomes the master's next version. */
    addVersion: (masterId: string, backupImageId: string) => request<Master>('POST', `/v1/masters/${id(masterId)}/versions`, { body: { backupImageId } }),
    /** Irreversible: the API wants the master's label repeated. */
    remove: (masterId: string, confirmLabel: string) =>
      request<void>('DELETE', `/v1/masters/${id(masterId)}`, { query: { confirm: confirmLabel } }),
  },
  bootServices: {
    list: (entityId: string) => listAll<BootService>('/v1/boot-services', { entityId }),
    create: (body: In<typeof bootServiceCreateSchema>) => request<BootService>('POST', '/v1/boot-services', { body }),
    update: (serviceId: string, body: In<typeof bootServiceUpdateSchema>) =>
      request<BootService>('PATCH', `/v1/boot-services/${id(serviceId)}`, { body }),
    remove: (serviceId: string) => request<void>('DELETE', `/v1/boot-services/${id(serviceId)}`),
  },
  postImagingScripts: {
    list: () => listAll<PostImagingScript>('/v1/post-imaging-scripts'),
    get: (scriptId: string) => request<PostImagingScript>('GET', `/v1/post-imaging-scripts/${id(scriptId)}`),
    create: (body: In<typeof postImagingScriptCreateSchema>) => request<PostImagingScript>('POST', '/v1/post-imaging-scripts', { body }),
    update: (scriptId: string, body: In<typeof postImagingScriptUpdateSchema>) =>
      request<PostImagingScript>('PATCH', `/v1/post-imaging-scripts/${id(scriptId)}`, { body }),
    remove: (scriptId: string) => request<void>('DELETE', `/v1/post-imaging-scripts/${id(scriptId)}`),
  },
  answerFiles: {
    /** Without their content: get one to read it. */
    list: () => listAll<Omit<AnswerFile, 'content'>>('/v1/answer-files'),
    get: (fileId: string) => request<AnswerFile>('GET', `/v1/answer-files/${id(fileId)}`),
    create: (body: In<typeof answerFileCreateSchema>) => request<AnswerFile>('POST', '/v1/answer-files', { body }),
    update: (fileId: string, body: In<typeof answerFileUpdateSchema>) => request<AnswerFile>('PATCH', `/v1/answer-files/${id(fileId)}`, { body }),
    remove: (fileId: string) => request<void>('DELETE', `/v1/answer-files/${id(fileId)}`),
  },
  deployments: {
    list: (entityId?: string) => listAll<Deployment>('/v1/deployments', { entityId }),
    get: (deploymentId: string) => request<Deployment>('GET', `/v1/deployments/${id(deploymentId)}`),
    create: (body: In<typeof deploymentCreateSchema>) => request<Deployment>('POST', '/v1/deployments', { body }),
    update: (deploymentId: string, body: In<typeof deploymentUpdateSchema>) =>
      request<Deployment>('PATCH', `/v1/deployments/${id(deploymentId)}`, { body }),
    remove: (deploymentId: string) => request<void>('DELETE', `/v1/deployments/${id(deploymentId)}`),
    cancel: (deploymentId: string) => request<Deployment>('POST', `/v1/deployments/${id(deploymentId)}/cancel`),
    tasks: (deploymentId: string) =>
      request<{ items: DeploymentTask[] }>('GET', `/v1/deployments/${id(deploymentId)}/tasks`).then((r) => r.items),
  },
  storage: {
    /** Archive space no master or backup image uses any more: reported on a dry run (the default), deleted otherwise. */
    collect: (body: In<typeof storageCollectionRequestSchema>) => request<StorageCollection>('POST', '/v1/storage/collections', { body }),
  },
};

export { ApiError };

import { useQuery, type QueryKey } from '@tanstack/react-query';
import { useSession } from '../auth/session';
import { api } from './client';

/**
 * The react-query hooks of the portal, one per API resource. Every key starts with the
 * tenant, so switching tenant never shows another tenant's cached data, and mutations
 * invalidate a resource by its name (see mutations.ts).
 */
export type Resource =
  | 'entities'
  | 'imaging-server-status'
  | 'imaging-servers'
  | 'machines'
  | 'backup-images'
  | 'backup-requests'
  | 'masters'
  | 'boot-services'
  | 'startup-menu'
  | 'post-imaging-scripts'
  | 'answer-files'
  | 'deployments'
  | 'deployment-tasks'
  | 'users';

export function tenantKey(tenantId: string, resource: Resource, ...rest: unknown[]): QueryKey {
  return ['tenant', tenantId, resource, ...rest];
}

function useKey(resource: Resource, ...rest: unknown[]): QueryKey {
  const { tenantId } = useSession();
  return tenantKey(tenantId, resource, ...rest);
}

export function useEntities() {
  return useQuery({ queryKey: useKey('entities'), queryFn: () => api.entities.list(), staleTime: 30_000 });
}

/** Live status: refreshed every 15 s while the page is open (edges report every ~30 s). */
export function useImagingServerStatus(entityId: string | undefined) {
  return useQuery({
    queryKey: useKey('imaging-server-status', entityId),
    queryFn: () => api.entities.imagingServerStatus(entityId!),
    enabled: Boolean(entityId),
    refetchInterval: 15_000,
  });
}

export function useImagingServers() {
  return useQuery({ queryKey: useKey('imaging-servers'), queryFn: () => api.imagingServers.list() });
}

export function useMachines(entityId: string | undefined) {
  return useQuery({ queryKey: useKey('machines', entityId), queryFn: () => api.machines.list(entityId), enabled: Boolean(entityId) });
}

export function useBackupImages(entityId: string | undefined) {
  return useQuery({
    queryKey: useKey('backup-images', entityId),
    queryFn: () => api.backupImages.list(entityId),
    enabled: Boolean(entityId),
  });
}

/** Backup requests of an entity; polled while any of them has not ended. */
export function useBackupRequests(entityId: string | undefined) {
  return useQuery({
    queryKey: useKey('backup-requests', entityId),
    queryFn: () => api.backupRequests.list(entityId),
    enabled: Boolean(entityId),
    refetchInterval: (query) => (query.state.data?.some((r) => !['done', 'failed', 'cancelled'].includes(r.state)) ? 5_000 : false),
  });
}

/** Masters of one entity; without an entity, every master of the tenant. */
export function useMasters(entityId: string | undefined, options: { allEntities?: boolean } = {}) {
  return useQuery({
    queryKey: useKey('masters', options.allEntities ? 'all' : entityId),
    queryFn: () => api.masters.list(options.allEntities ? undefined : entityId),
    enabled: Boolean(entityId) || Boolean(options.allEntities),
  });
}

export function useBootServices(entityId: string | undefined) {
  return useQuery({
    queryKey: useKey('boot-services', entityId),
    queryFn: () => api.bootServices.list(entityId!),
    enabled: Boolean(entityId),
  });
}

export function useStartupMenu(entityId: string | undefined) {
  return useQuery({
    queryKey: useKey('startup-menu', entityId),
    queryFn: () => api.entities.startupMenu(entityId!),
    enabled: Boolean(entityId),
  });
}

export function usePostImagingScripts() {
  return useQuery({ queryKey: useKey('post-imaging-scripts'), queryFn: () => api.postImagingScripts.list() });
}

export function usePostImagingScript(scriptId: string | undefined) {
  return useQuery({
    queryKey: useKey('post-imaging-scripts', scriptId),
    queryFn: () => api.postImagingScripts.get(scriptId!),
    enabled: Boolean(scriptId),
  });
}

/** Deployments of an entity; polled while any of them is still scheduled or running. */
export function useDeployments(entityId: string | undefined) {
  return useQuery({
    queryKey: useKey('deployments', entityId),
    queryFn: () => api.deployments.list(entityId),
    enabled: Boolean(entityId),
    refetchInterval: (query) =>
      query.state.data?.some((d) => d.state === 'scheduled' || d.state === 'running') ? 5_000 : false,
  });
}

/** One deployment; polled while it is unfinished. */
export function useDeployment(deploymentId: string | undefined) {
  return useQuery({
    queryKey: useKey('deployments', 'one', deploymentId),
    queryFn: () => api.deployments.get(deploymentId!),
    enabled: Boolean(deploymentId),
    refetchInterval: (query) => (query.state.data && ['scheduled', 'running'].includes(query.state.data.state) ? 2_000 : false),
  });
}

/** A deployment's per-machine tasks: polled every 2 s until every task is finished. */
export function useDeploymentTasks(deploymentId: string | undefined, live: boolean) {
  return useQuery({
    queryKey: useKey('deployment-tasks', deploymentId),
    queryFn: () => api.deployments.tasks(deploymentId!),
    enabled: Boolean(deploymentId),
    refetchInterval: live ? 2_000 : false,
  });
}

export function useAnswerFiles() {
  return useQuery({ queryKey: useKey('answer-files'), queryFn: () => api.answerFiles.list() });
}

/** One answer file with its content (lists leave it out). */
export function useAnswerFile(fileId: string | undefined) {
  return useQuery({ queryKey: useKey('answer-files', fileId), queryFn: () => api.answerFiles.get(fileId!), enabled: Boolean(fileId) });
}

import type { AnyRoute } from '../../lambdas/src/app/route';
import type { CatalogueWorld } from './catalogue-world';

/** Path parameters of a route filled with the world's ids. */
export function fillPath(route: AnyRoute, world: CatalogueWorld): string {
  const idByCollection: Record<string, string> = {
    entities: world.entityId,
    'imaging-servers': world.imagingServerId,
    machines: world.machineId,
    'backup-images': world.backupImageId,
    masters: world.masterId,
    'boot-services': world.bootServiceId,
    'post-imaging-scripts': world.postImagingScriptId,
    'answer-files': world.answerFileId,
    agents: world.agentId,
    uploads: world.uploadId,
    deployments: world.deploymentId,
    'backup-requests': world.backupRequestId,
    tenants: world.tenantId,
    users: world.username,
  };
  const collection = route.path.split('/')[2]!;
  return route.path
    .replace(':id', idByCollection[collection]!)
    .replace(':tenantId', world.tenantId)
    .replace(':username', world.username)
    .replace(':machineId', world.machineId)
    .replace(':name', 'win11-domain');
}

/**
 * A body each route would accept in its own tenant, naming the world's records: sent with
 * another tenant's token, it must change nothing.
 */
export function sampleBody(route: AnyRoute, world: CatalogueWorld): unknown {
  const key = `${route.method} ${route.path}`;
  const bodies: Record<string, unknown> = {
    'post /v1/auth/login': { username: 'admin', password: 'wrong password here' },
    'post /v1/tenants': { name: 'Another' },
    'patch /v1/tenants/:tenantId': { name: 'Renamed' },
    'post /v1/users': { username: 'intruder', password: 'long enough password', role: 'tenant-admin' },
    'post /v1/entities': { name: 'Sub', parentId: world.entityId },
    'patch /v1/entities/:id': { name: 'Renamed' },
    'put /v1/entities/:id/startup-menu': { classic: { defaultItemId: world.builtinBootServiceId, timeoutSeconds: 1 } },
    'post /v1/imaging-servers': { entityId: world.childEntityId, name: 'edge-x' },
    'patch /v1/imaging-servers/:id': { revoked: true },
    'post /v1/machines': { entityId: world.entityId, mac: '52:54:00:99:99:99', hostname: 'pc-1' },
    'patch /v1/machines/:id': { hostname: 'hijacked' },
    'post /v1/backup-images': { machineId: world.machineId },
    'patch /v1/backup-images/:id': { description: 'changed' },
    'post /v1/backup-images/:id/promote': { description: 'stolen' },
    'post /v1/masters': { entityId: world.entityId, sourceBackupImageId: world.backupImageId },
    'patch /v1/masters/:id': { description: 'changed', inDefaultStartupMenu: true },
    'post /v1/masters/:id/versions': { backupImageId: world.backupImageId },
    'post /v1/boot-services': { entityId: world.entityId, label: 'x', ipxeScript: 'echo hi' },
    'patch /v1/boot-services/:id': { enabled: false },
    'post /v1/post-imaging-scripts': { name: 'x', lines: ['MountSystem'] },
    'patch /v1/post-imaging-scripts/:id': { name: 'changed' },
    'post /v1/answer-files': { name: 'sample-answer', content: '<unattend xmlns="urn:schemas-microsoft-com:unattend"/>' },
    'patch /v1/answer-files/:id': { description: 'changed' },
    'post /v1/agents': { name: 'sample-agent', fileName: 'agent.msi', sizeBytes: 3, sha256: 'b'.repeat(64) },
    'put /v1/entities/:id/driver-set': { fileName: 'drivers.zip', sizeBytes: 10, sha256: 'c'.repeat(64) },
    'post /v1/deployments': { masterId: world.masterId, machineIds: [world.secondMachineId] },
    'patch /v1/deployments/:id': { description: 'changed' },
    'patch /v1/deployments/:id/tasks/:machineId': { state: 'waiting-for-boot' },
    'post /v1/backup-requests': { machineId: world.secondMachineId, description: 'stolen' },
    'post /v1/storage/collections': { dryRun: false },
    'post /v1/edge/enroll': { code: 'MRW-AAAA-BBBB-CCCC-DDDD' },
    'post /v1/edge/chunks/upload-urls': { hashes: ['a'.repeat(64)] },
    'post /v1/edge/chunks/download-urls': { hashes: ['a'.repeat(64)] },
    'post /v1/edge/deltas/upload-urls': { hashes: ['a'.repeat(64)] },
    'post /v1/edge/deltas/download-urls': { hashes: ['a'.repeat(64)] },
    'post /v1/edge/backup-images': { machineId: world.machineId },
    'post /v1/edge/backup-images/:id/promote': { description: 'imported' },
    'post /v1/edge/machines': { mac: '52:54:00:99:99:98' },
  };
  return route.body ? bodies[key] : undefined;
}

/** Query strings that make a route act on the world's records (list filters, delete confirmations). */
export function sampleQuery(route: AnyRoute, world: CatalogueWorld): string {
  if (route.method === 'delete' && route.path === '/v1/masters/:id') return `?confirm=${world.masterLabel}`;
  if (route.method === 'get' && route.query && 'shape' in route.query) {
    const shape = (route.query as unknown as { shape: Record<string, unknown> }).shape;
    if ('entityId' in shape) return `?entityId=${world.entityId}`;
    if ('parentId' in shape) return `?parentId=${world.entityId}`;
  }
  return '';
}

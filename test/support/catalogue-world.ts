import { expect } from 'vitest';
import type { ApiHarness } from './api-harness';

/** One of everything in a tenant, made through the API: the fixture of the cross-cutting tests. */
export interface CatalogueWorld {
  tenantId: string;
  entityId: string;
  childEntityId: string;
  imagingServerId: string;
  machineId: string;
  secondMachineId: string;
  backupImageId: string;
  masterId: string;
  masterLabel: string;
  bootServiceId: string;
  builtinBootServiceId: string;
  postImagingScriptId: string;
  deploymentId: string;
  username: string;
  /** The credential of the enrolled imaging server edge-1. */
  edgeCredential: string;
}

let macCounter = 0x10;

export async function buildWorld(harness: ApiHarness, tenant: { id: string; adminToken: string; generalEntityId: string }): Promise<CatalogueWorld> {
  const as = { token: tenant.adminToken, tenant: tenant.id };
  const ok = async (method: string, path: string, body?: unknown) => {
    const answer = await harness.call(method, path, { ...as, ...(body !== undefined ? { body } : {}) });
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body;
  };
  const entityId = tenant.generalEntityId;
  const child = await ok('post', '/v1/entities', { name: 'Branch office', parentId: entityId });
  const server = await ok('post', '/v1/imaging-servers', { entityId, name: 'edge-1' });
  const enrolled = await harness.call('post', '/v1/edge/enroll', { body: { code: server.enrolmentCode } });
  const mac = () => `52:54:00:00:00:${(macCounter++).toString(16).padStart(2, '0')}`;
  const machine = await ok('post', '/v1/machines', { entityId, mac: mac(), hostname: 'lab-042' });
  const second = await ok('post', '/v1/machines', { entityId, mac: mac(), hostname: 'lab-043' });
  const manifestKey = `backups/fixture-${macCounter}/manifest.json`;
  await harness.deps.archive.put(tenant.id, manifestKey, JSON.stringify({ schema: 1, partitions: [] }));
  const backup = await ok('post', '/v1/backup-images', {
    machineId: machine.id,
    description: 'fresh Windows 11',
    state: 'ready',
    sizeBytes: 64 << 20,
    compressedSizeBytes: 20 << 20,
    manifestKey,
  });
  const master = await ok('post', `/v1/backup-images/${backup.id}/promote`, { description: 'Windows 11 23H2' });
  const script = await ok('post', '/v1/post-imaging-scripts', {
    name: 'Domain join',
    lines: ['MountSystem', 'CopySysprep win11-domain', 'CopyRunAtOnce'],
  });
  const custom = await ok('post', '/v1/boot-services', {
    entityId,
    label: 'Memory test',
    ipxeScript: 'chain http://10.0.0.1/memtest.efi',
  });
  const services = await ok('get', `/v1/boot-services?entityId=${entityId}`);
  const builtin = services.items.find((s: { kind: string }) => s.kind === 'register');
  const deployment = await ok('post', '/v1/deployments', {
    masterId: master.id,
    machineIds: [machine.id],
    postImagingScriptIds: [script.id],
  });
  const username = `viewer-${tenant.id.slice(-6).toLowerCase()}`;
  await ok('post', '/v1/users', { username, password: 'correct horse battery', role: 'read-only' });
  return {
    tenantId: tenant.id,
    entityId,
    childEntityId: child.id,
    imagingServerId: server.id,
    machineId: machine.id,
    secondMachineId: second.id,
    backupImageId: backup.id,
    masterId: master.id,
    masterLabel: master.label,
    bootServiceId: custom.id,
    builtinBootServiceId: builtin.id,
    postImagingScriptId: script.id,
    deploymentId: deployment.id,
    username,
    edgeCredential: enrolled.body.credential,
  };
}

import { MANIFEST_SCHEMA_VERSION, type Manifest } from '@marrow/shared';
import { createHash } from 'node:crypto';
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
  /** Answer file "win11-domain", which the script's CopySysprep line names. */
  answerFileId: string;
  /** Agent "default" (a completed upload). */
  agentId: string;
  /** An agent upload that was started and never completed. */
  uploadId: string;
  deploymentId: string;
  /** A backup request of the second machine, cancelled (so it arms nothing and blocks nothing). */
  backupRequestId: string;
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
  // A valid manifest of no partitions: what the catalogue reads of it, without any chunk.
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tenantId: tenant.id,
    createdAt: new Date().toISOString(),
    machineId: machine.id,
    disk: { label: 'gpt', sizeBytes: 64 << 20, sectorSize: 512, partitionTable: 'label: gpt\n' },
    partitions: [],
  };
  await harness.deps.archive.put(tenant.id, manifestKey, JSON.stringify(manifest));
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
  const answerFile = await ok('post', '/v1/answer-files', { name: 'win11-domain', description: 'joins corp.example', content: SAMPLE_UNATTEND });
  const agent = await uploadFile(ok, 'post', '/v1/agents', { name: 'default', fileName: 'MarrowAgent.msi' }, Buffer.from('MSI installer bytes'));
  await uploadFile(ok, 'put', `/v1/entities/${entityId}/driver-set`, { fileName: 'drivers.zip' }, Buffer.from('PK\x03\x04 a zip of drivers', 'latin1'));
  const pending = await ok('post', '/v1/agents', { name: 'pending', fileName: 'pending.exe', sizeBytes: 3, sha256: 'a'.repeat(64) });
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
  const backupRequest = await ok('post', '/v1/backup-requests', { machineId: second.id, description: 'before the upgrade' });
  await ok('post', `/v1/backup-requests/${backupRequest.id}/cancel`);
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
    answerFileId: answerFile.id,
    agentId: agent.id,
    uploadId: pending.id,
    deploymentId: deployment.id,
    backupRequestId: backupRequest.id,
    username,
    edgeCredential: enrolled.body.credential,
  };
}

/** The smallest answer file the API accepts. */
export const SAMPLE_UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <ComputerName>*</ComputerName>
    </component>
  </settings>
</unattend>
`;

/** Starts an upload, PUTs the bytes to its URL and completes it: the agent or driver set. */
async function uploadFile(
  ok: (method: string, path: string, body?: unknown) => Promise<{ id: string; uploadUrl: string }>,
  method: string,
  path: string,
  fields: Record<string, string>,
  bytes: Buffer,
): Promise<{ id: string }> {
  const started = await ok(method, path, { ...fields, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  const put = await fetch(started.uploadUrl, { method: 'PUT', body: new Uint8Array(bytes) });
  expect(put.status, `PUT ${path} upload`).toBe(200);
  return ok('post', `/v1/uploads/${started.id}/complete`);
}

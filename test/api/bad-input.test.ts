import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lambdas/src/app/routes';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';
import { fillPath } from '../support/route-samples';

let harness: ApiHarness;
let world: CatalogueWorld;
let operator: string;

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
  operator = await harness.tokenFor('msp-operator', ['*']);
});
afterAll(() => harness?.close());

const bodyRoutes = () => apiRoutes.filter((r) => r.body);
const callAs = (route: (typeof apiRoutes)[number]) => ({
  token: route.access === 'operator' ? operator : route.access === 'edge' ? world.edgeCredential : harness.tenantA.adminToken,
  ...(route.access === 'operator' || route.access === 'edge' ? {} : { tenant: world.tenantId }),
});

/** Per route: a body with one wrong field, and the field the 400 must name. */
const wrongField: Record<string, [unknown, string]> = {
  'post /v1/auth/login': [{ username: '', password: 'x' }, 'body.username'],
  'post /v1/tenants': [{ name: '' }, 'body.name'],
  'patch /v1/tenants/:tenantId': [{ name: 'x'.repeat(101) }, 'body.name'],
  'post /v1/users': [{ username: 'ok-name', password: 'short', role: 'tenant-admin' }, 'body.password'],
  'post /v1/entities': [{ name: 'x', parentId: 'not-an-id' }, 'body.parentId'],
  'patch /v1/entities/:id': [{ name: 42 }, 'body.name'],
  'put /v1/entities/:id/startup-menu': [{ classic: { defaultItemId: 'placeholder', timeoutSeconds: -1 } }, 'body.classic.timeoutSeconds'],
  'post /v1/imaging-servers': [{ entityId: 'en_bad', name: 'e' }, 'body.entityId'],
  'patch /v1/imaging-servers/:id': [{ revoked: 'yes' }, 'body.revoked'],
  'post /v1/machines': [{ entityId: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', mac: '52:54:00:12', hostname: 'pc' }, 'body.mac'],
  'patch /v1/machines/:id': [{ hostname: 'name_with_underscore' }, 'body.hostname'],
  'post /v1/backup-images': [{ machineId: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', sizeBytes: -1 }, 'body.sizeBytes'],
  'patch /v1/backup-images/:id': [{ state: 'exploded' }, 'body.state'],
  'post /v1/backup-images/:id/promote': [{ inDefaultStartupMenu: 'sure' }, 'body.inDefaultStartupMenu'],
  'post /v1/masters': [{ entityId: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', postImagingScriptIds: ['x'] }, 'body.postImagingScriptIds.0'],
  'patch /v1/masters/:id': [{ label: 'renamed' }, 'unknown field(s) "label"'],
  'post /v1/masters/:id/versions': [{ backupImageId: 'ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P' }, 'body.backupImageId'],
  'post /v1/boot-services': [{ entityId: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', label: 'x', ipxeScript: 'echo ok\nfrobnicate' }, 'line 2: unknown iPXE command "frobnicate"'],
  'patch /v1/boot-services/:id': [{ order: 1.5 }, 'body.order'],
  'post /v1/post-imaging-scripts': [{ name: 'x', lines: ['MountSystem', 'CopySysprp w'] }, 'body.lines.1: line 2: unknown command "CopySysprp"'],
  'patch /v1/post-imaging-scripts/:id': [{ lines: [] }, 'body.lines'],
  'post /v1/answer-files': [{ name: 'corp', content: '<unattend>\n<settings>\n</unattend>' }, 'body.content: line 3: </unattend> closes <settings> (opened on line 2)'],
  'patch /v1/answer-files/:id': [{ content: '<html></html>' }, 'body.content: line 1: the root element must be <unattend>'],
  'post /v1/agents': [{ name: 'default', fileName: 'agent.zip', sizeBytes: 1, sha256: 'a'.repeat(64) }, 'body.fileName: an agent installer must end with .msi'],
  'put /v1/entities/:id/driver-set': [{ fileName: 'drivers.zip', sizeBytes: 2 * 1024 ** 3, sha256: 'a'.repeat(64) }, 'body.sizeBytes: must be at most 1024 MiB'],
  'post /v1/deployments': [{ masterId: 'ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', machineIds: [] }, 'body.machineIds: choose at least one machine'],
  'patch /v1/deployments/:id': [{ scheduledAt: 'tomorrow' }, 'body.scheduledAt'],
  'patch /v1/deployments/:id/tasks/:machineId': [{ state: 'exploded' }, 'body.state'],
  'post /v1/storage/collections': [{ dryRun: 'yes' }, 'body.dryRun'],
  'post /v1/backup-requests': [{ machineId: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', wakeOnLan: 'yes' }, 'body.wakeOnLan'],
  'post /v1/edge/enroll': [{ code: '' }, 'body.code: must not be empty'],
  'post /v1/edge/chunks/upload-urls': [{ hashes: ['xyz'] }, 'body.hashes.0: must be a SHA-256 in hex'],
  'post /v1/edge/chunks/download-urls': [{ hashes: [] }, 'body.hashes'],
  'post /v1/edge/deltas/upload-urls': [{ hashes: ['xyz'] }, 'body.hashes.0: must be a SHA-256 in hex'],
  'post /v1/edge/deltas/download-urls': [{ hashes: [] }, 'body.hashes'],
  'post /v1/edge/backup-images': [{ machineId: 'nope' }, 'body.machineId'],
  'post /v1/edge/backup-images/:id/promote': [{ inDefaultStartupMenu: 'sure' }, 'body.inDefaultStartupMenu'],
  'post /v1/edge/machines': [{ mac: '52:54:00', inventory: {} }, 'body.mac'],
};

describe('bad input gets a 400 that says what is wrong, and changes nothing', () => {
  it('covers every route that takes a body', () => {
    expect(bodyRoutes().map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(wrongField).sort());
  });

  it('refuses malformed JSON, a missing body, a non-object body and unknown fields on every route', async () => {
    for (const route of bodyRoutes()) {
      const path = fillPath(route, world);
      const label = `${route.method} ${route.path}`;
      const malformed = await harness.call(route.method, path, { ...callAs(route), rawBody: '{"name": ' });
      expect(malformed.status, label).toBe(400);
      expect(malformed.body.error.message, label).toBe('the body is not valid JSON');
      const array = await harness.call(route.method, path, { ...callAs(route), body: [1, 2] });
      expect(array.status, label).toBe(400);
      expect(array.body.error.message, label).toMatch(/^body: /);
      const unknown = await harness.call(route.method, path, { ...callAs(route), body: { surprise: true } });
      expect(unknown.status, label).toBe(400);
      expect(unknown.body.error.details.problems.length, label).toBeGreaterThan(0);
    }
  });

  it('names the wrong field and the reason on every route', async () => {
    wrongField['put /v1/entities/:id/startup-menu']![0] = { classic: { defaultItemId: world.builtinBootServiceId, timeoutSeconds: -1 } };
    for (const route of bodyRoutes()) {
      const [body, expected] = wrongField[`${route.method} ${route.path}`]!;
      const answer = await harness.call(route.method, fillPath(route, world), { ...callAs(route), body });
      expect(answer.status, `${route.method} ${route.path}`).toBe(400);
      expect(answer.body.error.code).toBe('invalid-request');
      expect(answer.body.error.message, `${route.method} ${route.path}`).toContain(expected);
    }
  });

  it('checks query parameters and unknown ids', async () => {
    const as = { token: harness.tenantA.adminToken };
    expect((await harness.call('get', '/v1/machines?limit=0', as)).body.error.message).toContain('query.limit');
    expect((await harness.call('get', '/v1/machines?limit=abc', as)).status).toBe(400);
    expect((await harness.call('get', '/v1/machines?entityId=nope', as)).body.error.message).toContain('query.entityId');
    expect((await harness.call('get', '/v1/machines?cursor=bm90LWEtY3Vyc29y', as)).status).toBe(400);
    for (const path of ['/v1/machines/mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', '/v1/masters/whatever', '/v1/entities/en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P/statistics']) {
      const answer = await harness.call('get', path, as);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.message).toMatch(/^no /);
    }
    expect((await harness.call('get', '/v1/no-such-thing', as)).status).toBe(404);
  });

  it('refuses references to records that do not exist, naming the field', async () => {
    const as = { token: harness.tenantA.adminToken };
    const answer = await harness.call('post', '/v1/machines', {
      ...as,
      body: { entityId: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', mac: '52:54:00:44:44:44', hostname: 'pc-9' },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error.message).toBe('body.entityId: no entity en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P in this tenant');
    const menu = await harness.call('put', `/v1/entities/${world.entityId}/startup-menu`, {
      ...as,
      body: { classic: { defaultItemId: world.masterId, timeoutSeconds: 5 } },
    });
    expect(menu.status).toBe(400);
    expect(menu.body.error.message).toContain('is not in the default startup menu');
  });
});

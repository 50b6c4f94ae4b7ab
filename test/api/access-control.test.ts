import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { apiRoutes } from '../../lambdas/src/app/routes';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';
import { fillPath, sampleBody } from '../support/route-samples';

let harness: ApiHarness;
let world: CatalogueWorld;

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
});
afterAll(() => harness?.close());

describe('authentication and roles', () => {
  it('answers 401 on every non-public route without a valid token', async () => {
    const forged = await new SignJWT({ role: 'msp-operator', tenants: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('us_x')
      .setIssuer('marrow-local')
      .setAudience('marrow-api')
      .setExpirationTime('1h')
      .sign(new Uint8Array(32).fill(7));
    for (const route of apiRoutes.filter((r) => r.access !== 'public')) {
      const path = fillPath(route, world);
      for (const token of [undefined, 'garbage', forged]) {
        const answer = await harness.call(route.method, path, { ...(token ? { token } : {}), tenant: world.tenantId });
        expect(answer.status, `${route.method} ${path} with ${token ? 'bad' : 'no'} token`).toBe(401);
        expect(answer.body.error.message).toBeTruthy();
      }
    }
  });

  it('lets a read-only user read everything of its tenant and change nothing', async () => {
    const token = await harness.tokenFor('read-only', [world.tenantId]);
    for (const route of apiRoutes.filter((r) => r.access === 'write' || r.access === 'operator')) {
      const body = sampleBody(route, world);
      const answer = await harness.call(route.method, fillPath(route, world), { token, ...(body !== undefined ? { body } : {}) });
      expect(answer.status, `${route.method} ${route.path}`).toBe(403);
    }
    for (const route of apiRoutes.filter((r) => r.access === 'read' && r.method === 'get')) {
      const answer = await harness.call('get', fillPath(route, world), { token });
      expect(answer.status, `${route.method} ${route.path}`).toBe(200);
    }
  });

  it('keeps tenant administration to MSP operators of every tenant', async () => {
    for (const route of apiRoutes.filter((r) => r.access === 'operator')) {
      const body = sampleBody(route, world);
      const answer = await harness.call(route.method, fillPath(route, world), {
        token: harness.tenantA.adminToken,
        ...(body !== undefined ? { body } : {}),
      });
      expect(answer.status, `${route.method} ${route.path}`).toBe(403);
    }
    const operator = await harness.tokenFor('msp-operator', ['*']);
    const created = await harness.call('post', '/v1/tenants', { token: operator, body: { name: 'Customer C' } });
    expect(created.status).toBe(201);
    const tenants = await harness.call('get', '/v1/tenants', { token: operator });
    expect(tenants.body.items.length).toBeGreaterThanOrEqual(3);
    // An operator with several tenants must say which one it acts in.
    const ambiguous = await harness.call('get', '/v1/entities', { token: operator });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.message).toContain('x-marrow-tenant');
    const entities = await harness.call('get', '/v1/entities', { token: operator, tenant: created.body.id });
    expect(entities.body.items.map((e: { name: string }) => e.name)).toEqual(['General']);
  });

  it('signs users in with their password and refuses wrong ones alike', async () => {
    const ok = await harness.call('post', '/v1/auth/login', { body: { username: world.username, password: 'correct horse battery' } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ username: world.username, role: 'read-only', tenantIds: [world.tenantId] });
    expect(JSON.stringify(ok.body)).not.toContain('passwordHash');
    const me = await harness.call('get', '/v1/auth/me', { token: ok.body.token });
    expect(me.body).toMatchObject({ username: world.username, role: 'read-only' });
    const wrong = await harness.call('post', '/v1/auth/login', { body: { username: world.username, password: 'nope' } });
    const unknown = await harness.call('post', '/v1/auth/login', { body: { username: 'nobody', password: 'nope' } });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('does not let a tenant admin create operators or grant other tenants', async () => {
    const asAdmin = { token: harness.tenantA.adminToken };
    const op = await harness.call('post', '/v1/users', { ...asAdmin, body: { username: 'evil-op', password: 'long enough password', role: 'msp-operator' } });
    expect(op.status).toBe(403);
    const grant = await harness.call('post', '/v1/users', {
      ...asAdmin,
      body: { username: 'evil-admin', password: 'long enough password', role: 'tenant-admin', tenantIds: [harness.tenantB.id] },
    });
    expect(grant.status).toBe(403);
  });
});

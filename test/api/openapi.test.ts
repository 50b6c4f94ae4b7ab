import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../lambdas/src/app/routes';
import { startApiHarness, type ApiHarness } from '../support/api-harness';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startApiHarness();
});
afterAll(() => harness?.close());

describe('GET /v1/openapi.json', () => {
  it('documents every route from the schemas that validate it', async () => {
    const answer = await harness.call('get', '/v1/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of apiRoutes) {
      const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = doc.paths[path]?.[route.method];
      expect(operation, `${route.method} ${path}`).toBeDefined();
      expect(operation.summary).toBe(route.summary);
      if (route.body) expect(operation.requestBody.content['application/json'].schema.type).toBe('object');
      if (route.access === 'public') expect(operation.security).toEqual([]);
    }
    const operationIds = Object.values(doc.paths).flatMap((p) => Object.values(p as Record<string, { operationId: string }>).map((o) => o.operationId));
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('carries the real constraints of request bodies', async () => {
    const doc = (await harness.call('get', '/v1/openapi.json')).body;
    const machine = doc.paths['/v1/machines'].post.requestBody.content['application/json'].schema;
    expect(machine.required).toEqual(expect.arrayContaining(['entityId', 'mac', 'hostname']));
    expect(machine.properties.hostname.maxLength).toBe(15);
    expect(machine.additionalProperties).toBe(false);
    const menu = doc.paths['/v1/entities/{id}/startup-menu'].put.requestBody.content['application/json'].schema;
    expect(menu.properties.classic.properties.timeoutSeconds).toMatchObject({ minimum: 0, maximum: 3600 });
    const list = doc.paths['/v1/masters'].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(['limit', 'cursor', 'entityId', 'X-Marrow-Tenant']));
  });
});

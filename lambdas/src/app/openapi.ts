import { z } from 'zod';
import type { Access, AnyRoute } from './route';

/**
 * The OpenAPI 3.1 document, generated from the very route specs and zod schemas that
 * validate requests, so documentation and behaviour cannot disagree.
 */
export function openApiDocument(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (spec.query) {
      const schema = toJsonSchema(spec.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
      }
    }
    if (spec.access === 'read' || spec.access === 'write') {
      parameters.push({
        name: 'X-Marrow-Tenant',
        in: 'header',
        required: false,
        description: 'The tenant to act in; required when the caller has several.',
        schema: { type: 'string' },
      });
    }
    const status = String(spec.status ?? 200);
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: operationId(spec),
      ...(spec.access === 'public' ? { security: [] } : {}),
      'x-marrow-access': spec.access satisfies Access,
      parameters,
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input') } } } }
        : {}),
      responses: {
        [status]:
          status === '204'
            ? { description: 'Done' }
            : {
                description: 'Success',
                content: { 'application/json': { schema: spec.response ? toJsonSchema(spec.response, 'output') : {} } },
              },
        ...errorResponses(spec),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Marrow control plane API',
      version,
      description: 'Catalogue of tenants, entities, imaging servers, machines, masters, backup images, boot services, default startup menus, post-imaging scripts and deployments.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: errorSchema },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
}

function operationId(spec: AnyRoute): string {
  const words = spec.path
    .replace(/^\/v1\//, '')
    .split('/')
    .filter((w) => !w.startsWith(':'))
    .flatMap((w) => w.split('-'));
  return [spec.method, ...words].map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('') + (/:[A-Za-z]+$/.test(spec.path) ? 'ById' : '');
}

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

function errorResponses(spec: AnyRoute): Record<string, unknown> {
  const ref = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  const responses: Record<string, unknown> = {};
  if (spec.body || spec.query) responses['400'] = { description: 'Invalid request: the message names each field and the reason', ...ref };
  if (spec.access !== 'public') {
    responses['401'] = { description: 'Missing or invalid token', ...ref };
    responses['403'] = { description: 'No access to this tenant, or role may not do this', ...ref };
  }
  if (spec.path.includes(':')) responses['404'] = { description: 'No such record in this tenant', ...ref };
  if (spec.method !== 'get') responses['409'] = { description: 'Conflicts with the current state (says where)', ...ref };
  return responses;
}

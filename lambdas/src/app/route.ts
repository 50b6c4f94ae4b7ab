import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { AppDeps } from './deps';

/**
 * Who may call a route:
 * - public: anyone (health, OpenAPI document, password sign-in);
 * - signed-in: any valid token, no tenant needed (who am I, my tenants);
 * - read: a token granting the request's tenant;
 * - write: the same, and a role that may change things (not read-only);
 * - operator: an MSP operator of every tenant (tenant administration).
 */
export type Access = 'public' | 'signed-in' | 'read' | 'write' | 'operator';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteRequest<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  /** Set on every route but public ones. */
  principal: Principal;
  /** The tenant the request acts in; set on read and write routes. */
  tenantId: string;
  deps: AppDeps;
}

/**
 * One API route: its HTTP shape (validated, and documented in the OpenAPI document from the
 * same schemas) and its handler. Handlers return the response body; errors are thrown as
 * MarrowErrors and mapped in one place.
 */
export interface RouteSpec<B = unknown, Q = unknown> {
  method: HttpMethod;
  /** Hono-style path under the API root, e.g. "/v1/masters/:id". */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** Schema of a successful answer (documentation). */
  response?: z.ZodType;
  /** Success status; 204 answers have no body. */
  status?: 200 | 201 | 204;
  handle(request: RouteRequest<B, Q>): Promise<unknown>;
}

/** Identity function that lets TypeScript infer a route's body and query types. */
export function route<B = undefined, Q = Record<string, string>>(spec: RouteSpec<B, Q>): RouteSpec<B, Q> {
  return spec;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any>;

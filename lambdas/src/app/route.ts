import type { z } from 'zod';
import type { Principal } from '../auth/principal';
import type { EdgePrincipal } from '../catalogue/enrolment';
import type { AppDeps } from './deps';

/**
 * Who may call a route:
 * - public: anyone (health, OpenAPI document, password sign-in);
 * - signed-in: any valid token, no tenant needed (who am I, my tenants);
 * - read: a token granting the request's tenant;
 * - write: the same, and a role that may change things (not read-only);
 * - operator: an MSP operator of every tenant (tenant administration);
 * - edge: an imaging server, with the credential it received at enrolment (never a user).
 */
export type Access = 'public' | 'signed-in' | 'read' | 'write' | 'operator' | 'edge';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteRequest<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  /** The signed-in user; set on user routes (not public or edge ones). */
  principal: Principal;
  /** The tenant the request acts in; set on read, write and edge routes. */
  tenantId: string;
  /** The calling imaging server; set on edge routes only. */
  edge: EdgePrincipal;
  deps: AppDeps;
  /** A request header (lower-case name). */
  header(name: string): string | undefined;
}

/**
 * One API route: its HTTP shape (validated, and documented in the OpenAPI document from the
 * same schemas) and its handler. Handlers return the response body (or, rarely, a whole
 * Web Response, e.g. a 304); errors are thrown as MarrowErrors and mapped in one place.
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

import { z } from 'zod';
import type { Context, Hono } from 'hono';
import { canAccessTenant, canWrite, isOperatorOfEveryTenant, type Principal } from '../auth/principal';
import { isEdgeCredential } from '../auth/edge-credentials';
import { verifyEdgeCredential, type EdgePrincipal } from '../catalogue/enrolment';
import { noticeCatalogueChanged } from '../catalogue/edge-commands';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../errors/marrow-error';
import type { AppDeps } from './deps';
import type { AnyRoute } from './route';
import { parseInput } from './validation';

/** The header an MSP operator (or any user with several tenants) names the tenant with. */
export const TENANT_HEADER = 'x-marrow-tenant';
const MAX_BODY_BYTES = 256 * 1024;

export function mountRoutes(app: Hono, routes: readonly AnyRoute[], deps: AppDeps): void {
  for (const spec of routes) {
    app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const token = spec.access === 'public' ? undefined : bearerToken(c);
      const edge = spec.access === 'edge' ? await authenticateEdge(token!, deps) : undefined;
      const principal = spec.access === 'public' || spec.access === 'edge' ? undefined : await authenticateUser(token!, deps);
      const tenantId = edge ? edge.tenantId : spec.access === 'read' || spec.access === 'write' ? chooseTenant(c, principal!) : '';
      if (spec.access === 'write' && !canWrite(principal!)) {
        throw new ForbiddenError('your role is read-only: you cannot change anything');
      }
      if (spec.access === 'operator' && !isOperatorOfEveryTenant(principal!)) {
        throw new ForbiddenError('only an MSP operator of every tenant may do this');
      }
      const body = spec.body ? parseInput(spec.body, await readJson(c), 'body') : undefined;
      const query = parseInput(spec.query ?? anyQuery, c.req.query(), 'query');
      const result = await spec.handle({
        body,
        query,
        params: c.req.param() as Record<string, string>,
        principal: principal!,
        edge: edge!,
        tenantId,
        deps,
        header: (name) => c.req.header(name),
      });
      if (spec.access === 'write') await noticeCatalogueChanged(deps, tenantId).catch(() => undefined);
      if (result instanceof Response) return result;
      if (spec.status === 204) return c.body(null, 204);
      return c.json(result as object, spec.status ?? 200);
    });
  }
}

/** Any query is accepted where a route declares none (e.g. cache-busting parameters). */
const anyQuery = z.record(z.string(), z.string());

function bearerToken(c: Context): string {
  const header = c.req.header('authorization');
  if (!header) throw new UnauthorizedError('sign in first: this request needs an "Authorization: Bearer <token>" header');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  return match[1]!;
}

async function authenticateUser(token: string, deps: AppDeps): Promise<Principal> {
  if (isEdgeCredential(token)) throw new ForbiddenError('an imaging-server credential cannot be used for this request');
  return deps.tokens.verify(token);
}

async function authenticateEdge(token: string, deps: AppDeps): Promise<EdgePrincipal> {
  if (!isEdgeCredential(token)) throw new UnauthorizedError('this request needs the credential of an enrolled imaging server');
  return verifyEdgeCredential(deps.store, token);
}

/**
 * The tenant a request acts in: the one named by the X-Marrow-Tenant header, or the
 * caller's only tenant. Naming a tenant the caller has no grant for is refused outright.
 */
function chooseTenant(c: Context, principal: Principal): string {
  const named = c.req.header(TENANT_HEADER)?.trim();
  if (named) {
    if (!canAccessTenant(principal, named)) throw new ForbiddenError(`you have no access to tenant ${named}`);
    return named;
  }
  const concrete = principal.tenantIds.filter((t) => t !== '*');
  if (concrete.length === 1 && !principal.tenantIds.includes('*')) return concrete[0]!;
  throw new ValidationError(`you can act in several tenants: name one with the ${TENANT_HEADER} header`);
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ValidationError(`the body is larger than ${MAX_BODY_BYTES} bytes`);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('the body is not valid JSON');
  }
}

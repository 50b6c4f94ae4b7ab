import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { AppDeps } from './deps';
import { errorResponse } from './error-handler';
import { mountRoutes } from './mount-routes';
import { openApiDocument } from './openapi';
import { apiRoutes } from './routes';

/**
 * The control plane: one Hono app speaking Web Request/Response. The Lambda entry and the
 * local host only translate to it; tests call `app.request()` in-process.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('*', secureHeaders());
  let openApi: Record<string, unknown> | undefined;
  app.get('/v1/openapi.json', (c) => c.json((openApi ??= openApiDocument(apiRoutes, deps.version))));
  mountRoutes(app, apiRoutes, deps);
  app.notFound((c) => c.json({ error: { code: 'not-found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => errorResponse(error, c));
  return app;
}

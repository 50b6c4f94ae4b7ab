import { z } from 'zod';
import { MarrowError } from '../../errors/marrow-error';
import { SYSTEM_SCOPE } from '../../ports/catalogue-store';
import { route } from '../route';

class StorageDownError extends MarrowError {
  override readonly status = 503;
  override readonly code = 'unhealthy';
}

export const healthRoutes = [
  route({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness, with a round trip to the catalogue table',
    tag: 'Health',
    access: 'public',
    response: z.object({ status: z.literal('ok'), version: z.string(), time: z.string() }),
    handle: async ({ deps }) => {
      try {
        await deps.store.get(SYSTEM_SCOPE, 'tenant', 'health-check');
      } catch (error) {
        throw new StorageDownError('the catalogue storage is unreachable', { cause: error });
      }
      return { status: 'ok' as const, version: deps.version, time: deps.clock().toISOString() };
    },
  }),
];

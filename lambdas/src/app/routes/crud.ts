import type { z } from 'zod';
import { idSchema } from '@marrow/shared';
import type { CatalogueRecords, RecordKind } from '../../ports/catalogue-store';
import { getOrNotFound } from '../../catalogue/records';
import { route } from '../route';
import { listQuery, listQueryWith, pageOf } from './common';

interface CollectionRoute<K extends RecordKind> {
  /** e.g. "/v1/machines" */
  path: string;
  kind: K;
  schema: z.ZodType<CatalogueRecords[K]>;
  summary: string;
  tag: string;
}

/** `GET /v1/<things>`: one page of the tenant's records, or of one entity's with `entityId`. */
export function listRoute<K extends RecordKind>(spec: CollectionRoute<K> & { byEntity: boolean }) {
  const query = spec.byEntity ? listQueryWith({ entityId: idSchema('entity').optional() }) : listQuery;
  return route({
    method: 'get',
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    access: 'read',
    query: query as z.ZodType<{ limit: number; cursor?: string; entityId?: string }>,
    response: pageOf(spec.schema),
    handle: ({ deps, tenantId, query }) =>
      deps.store.list(tenantId, spec.kind, {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.entityId ? { group: query.entityId } : {}),
      }),
  });
}

/** `GET /v1/<things>/:id`: one record of the tenant, or 404. */
export function getRoute<K extends RecordKind>(spec: CollectionRoute<K>) {
  return route({
    method: 'get',
    path: `${spec.path}/:id`,
    summary: spec.summary,
    tag: spec.tag,
    access: 'read',
    response: spec.schema,
    handle: ({ deps, tenantId, params }) => getOrNotFound(deps.store, tenantId, spec.kind, params.id!),
  });
}

import type { Entity, ImagingServer } from '@marrow/shared';
import { newId } from '../../lambdas/src/app/ids';
import { enrolImagingServer, issueEnrolmentCode } from '../../lambdas/src/catalogue/enrolment';
import { ensureEntityDefaults } from '../../lambdas/src/catalogue/entity-defaults';
import { newMeta, updateRecord } from '../../lambdas/src/catalogue/records';
import { createTenant } from '../../lambdas/src/catalogue/tenants';
import type { CatalogueStore } from '../../lambdas/src/ports/catalogue-store';
import type { EnrolledEdge } from './fleet-protocol';

/**
 * The fleet's catalogue, written straight into the host's store (1,000 sites through the
 * HTTP API would only time the API): tenants, one entity per site with its defaults, its
 * imaging server, and a real credential from the real enrolment functions. The records are
 * the ones POST /v1/entities and POST /v1/imaging-servers write (routes/entities.ts,
 * routes/imaging-servers.ts).
 */
export async function enrolFleet(store: CatalogueStore, edges: number, tenants: number, concurrency = 16): Promise<EnrolledEdge[]> {
  const now = () => new Date();
  const tenantIds: string[] = [];
  for (let t = 0; t < tenants; t++) tenantIds.push((await createTenant(store, `Customer ${t + 1}`, now(), newId)).id);
  const enrolled: EnrolledEdge[] = new Array(edges);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < edges; i = next++) enrolled[i] = await enrolSite(store, tenantIds[i % tenants]!, i);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return enrolled;
}

async function enrolSite(store: CatalogueStore, tenantId: string, index: number): Promise<EnrolledEdge> {
  const now = new Date();
  const entity: Entity = { ...newMeta(tenantId, now), id: newId('entity'), name: `Site ${index + 1}`, description: '', parentId: null, imagingServerId: null };
  await store.create(tenantId, 'entity', entity.id, entity);
  await ensureEntityDefaults(store, tenantId, entity.id, now, newId);
  const server: ImagingServer = { ...newMeta(tenantId, now), id: newId('imagingServer'), entityId: entity.id, name: `edge-${index + 1}`, revokedAt: null };
  await store.create(tenantId, 'imagingServer', server.id, server);
  await updateRecord(store, tenantId, 'entity', entity.id, now, (current) => ({ ...current, imagingServerId: server.id }));
  const { enrolmentCode } = await issueEnrolmentCode(store, tenantId, server.id, now);
  const { credential } = await enrolImagingServer(store, enrolmentCode, new Date());
  return { tenantId, entityId: entity.id, imagingServerId: server.id, credential };
}

import type { Deployment, Master } from '@marrow/shared';
import { ConflictError } from '../errors/marrow-error';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';

/** Deployments of the tenant that have not finished yet (scheduled or running). */
export async function unfinishedDeployments(store: CatalogueStore, tenantId: string, entityId?: string): Promise<Deployment[]> {
  const deployments = await listAll(store, tenantId, 'deployment', entityId ? { group: entityId } : {});
  return deployments.filter((d) => d.state === 'scheduled' || d.state === 'running');
}

/** The unfinished deployments of one master: while there are any, its image must stay as it is. */
export async function unfinishedDeploymentsOfMaster(store: CatalogueStore, tenantId: string, master: Pick<Master, 'id' | 'entityId'>): Promise<Deployment[]> {
  return (await unfinishedDeployments(store, tenantId, master.entityId)).filter((d) => d.masterId === master.id);
}

/**
 * Refuses an irreversible change while something still uses the record, with a message that
 * says where it is used so the user knows what to change first.
 */
export function refuseIfUsed(what: string, uses: readonly string[]): void {
  if (uses.length === 0) return;
  throw new ConflictError(`${what} is still in use: ${uses.join('; ')}`, { details: { usedBy: uses } });
}

export function describeDeployments(deployments: readonly Deployment[]): string[] {
  return deployments.map((d) => `unfinished deployment ${d.id} (${d.state}, ${d.machineIds.length} machine${d.machineIds.length === 1 ? '' : 's'})`);
}

/** Where a boot service or master is the default selection of its entity's startup menus. */
export async function startupMenuDefaultsUsing(store: CatalogueStore, tenantId: string, entityId: string, itemId: string): Promise<string[]> {
  const menu = await store.get(tenantId, 'startupMenu', entityId);
  const uses: string[] = [];
  if (menu?.classic.defaultItemId === itemId) uses.push('it is the default selection of the classic startup menu');
  if (menu?.wol.defaultItemId === itemId) uses.push('it is the default selection of the WOL startup menu');
  return uses;
}

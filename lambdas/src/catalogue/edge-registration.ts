import type { Machine, MachineInventory } from '@marrow/shared';
import type { AppDeps } from '../app/deps';
import { ConflictError } from '../errors/marrow-error';
import type { EdgePrincipal } from './enrolment';
import { createMachine } from './machines';
import { updateRecord } from './records';
import { listServedEntities } from './snapshot';

export interface Registration {
  mac: string;
  hostname?: string | undefined;
  uuid?: string | null | undefined;
  inventory: MachineInventory;
}

/**
 * "Register this machine" from the boot menu: the imaging environment sends the machine's
 * inventory through its edge. A new MAC becomes a machine of the edge's entity (named after
 * its MAC until someone renames it); a known one gets its inventory refreshed.
 */
export async function registerFromEdge(deps: AppDeps, edge: EdgePrincipal, registration: Registration): Promise<{ machine: Machine; created: boolean }> {
  // The MAC's unique claim is the MAC → machine index: probing it answers "who has this MAC".
  const owner = await deps.store.claimUnique(edge.tenantId, 'mac', registration.mac, '_probe');
  if (owner === undefined) await deps.store.releaseUnique(edge.tenantId, 'mac', registration.mac, '_probe');
  const existing = owner ? await deps.store.get(edge.tenantId, 'machine', owner) : undefined;
  const now = deps.clock();
  if (existing) {
    const served = await listServedEntities(deps.store, edge.tenantId, edge.entityId);
    if (!served.some((e) => e.id === existing.entityId)) {
      throw new ConflictError(`MAC address ${registration.mac} is registered in an entity this imaging server does not serve`);
    }
    const machine = await updateRecord(deps.store, edge.tenantId, 'machine', existing.id, now, (m) => ({
      ...m,
      inventory: registration.inventory,
      uuid: registration.uuid ?? m.uuid,
      lastSeenAt: now.toISOString(),
    }));
    return { machine, created: false };
  }
  const machine = await createMachine(deps, edge.tenantId, {
    entityId: edge.entityId,
    mac: registration.mac,
    hostname: registration.hostname ?? `pc-${registration.mac.replace(/:/g, '').slice(-6)}`,
    uuid: registration.uuid ?? null,
    inventory: registration.inventory,
    lastSeenAt: now.toISOString(),
  });
  return { machine, created: true };
}

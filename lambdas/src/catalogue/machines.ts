import type { Machine } from '@marrow/shared';
import type { AppDeps } from '../app/deps';
import { ConflictError } from '../errors/marrow-error';
import { newMeta } from './records';

export type NewMachine = Pick<Machine, 'entityId' | 'mac' | 'hostname' | 'uuid' | 'inventory'> & { lastSeenAt?: string | null };

/**
 * Creates a machine. A MAC address names one machine per tenant: it is claimed before the
 * record exists, and a claim left by an interrupted registration is taken over.
 */
export async function createMachine(deps: AppDeps, tenantId: string, input: NewMachine): Promise<Machine> {
  const machine: Machine = { ...newMeta(tenantId, deps.clock()), id: deps.newId('machine'), lastSeenAt: null, ...input };
  const owner = await deps.store.claimUnique(tenantId, 'mac', machine.mac, machine.id);
  if (owner) {
    const existing = await deps.store.get(tenantId, 'machine', owner);
    if (existing) {
      throw new ConflictError(`MAC address ${machine.mac} is already registered as machine "${existing.hostname}" (${existing.id})`, {
        details: { machineId: existing.id },
      });
    }
    await deps.store.releaseUnique(tenantId, 'mac', machine.mac, owner);
    if (await deps.store.claimUnique(tenantId, 'mac', machine.mac, machine.id)) {
      throw new ConflictError(`MAC address ${machine.mac} is being registered concurrently; try again`);
    }
  }
  try {
    await deps.store.create(tenantId, 'machine', machine.id, machine);
  } catch (error) {
    await deps.store.releaseUnique(tenantId, 'mac', machine.mac, machine.id);
    throw error;
  }
  return machine;
}

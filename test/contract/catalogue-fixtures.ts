import type { DeploymentTask, Entity, Machine, Tenant } from '@marrow/shared';
import { ulid } from 'ulid';

/** Fresh ids per test: one store serves the whole suite, and tests must not see each other. */
export const newId = {
  tenant: () => `tn_${ulid()}`,
  entity: () => `en_${ulid()}`,
  machine: () => `mc_${ulid()}`,
  deployment: () => `dp_${ulid()}`,
};

const NOW = '2025-01-15T10:00:00.000Z';

export function tenantRecord(id: string, overrides: Partial<Tenant> = {}): Tenant {
  return { id, name: 'Acme', createdAt: NOW, updatedAt: NOW, version: 1, ...overrides };
}

export function entityRecord(tenantId: string, overrides: Partial<Entity> = {}): Entity {
  return {
    id: newId.entity(),
    tenantId,
    name: 'Head office',
    description: '',
    parentId: null,
    imagingServerId: null,
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function machineRecord(tenantId: string, entityId: string, overrides: Partial<Machine> = {}): Machine {
  return {
    id: newId.machine(),
    tenantId,
    entityId,
    mac: '52:54:00:12:34:56',
    hostname: 'PC-001',
    uuid: null,
    inventory: {},
    lastSeenAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function deploymentTaskRecord(tenantId: string, deploymentId: string, machineId: string): DeploymentTask {
  return {
    tenantId,
    deploymentId,
    machineId,
    state: 'pending',
    progress: null,
    error: null,
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
  };
}

/** Runs `task` over `items`, `width` at a time: fast enough for hundreds of writes, gentle on emulators. */
export async function inBatches<T>(
  items: readonly T[],
  width: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let offset = 0; offset < items.length; offset += width) {
    await Promise.all(items.slice(offset, offset + width).map(task));
  }
}

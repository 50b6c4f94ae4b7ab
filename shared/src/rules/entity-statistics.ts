import type { EntityStatistics } from '../catalogue/entity';

/**
 * Entity statistics as the imaging-server status page shows them: how many machines
 * (clients) the entity has, how many of them have at least one ready backup image and how
 * many such images there are, and how many masters are ready to deploy.
 */
export function entityStatistics(
  entityId: string,
  machines: readonly { id: string; entityId: string }[],
  backupImages: readonly { machineId: string; entityId: string; state: string }[],
  masters: readonly { entityId: string; versions: readonly unknown[] }[],
): EntityStatistics {
  const clients = machines.filter((m) => m.entityId === entityId);
  const clientIds = new Set(clients.map((m) => m.id));
  const readyBackups = backupImages.filter((b) => b.state === 'ready' && clientIds.has(b.machineId));
  return {
    entityId,
    clients: clients.length,
    clientsWithBackupImages: new Set(readyBackups.map((b) => b.machineId)).size,
    backupImages: readyBackups.length,
    mastersAvailable: masters.filter((m) => m.entityId === entityId && m.versions.length > 0).length,
  };
}

import { canMoveTask, isTerminalTaskState, type BackupRequest, type DeploymentTaskState, type Machine } from '@marrow/shared';
import { ConflictError } from '../errors/marrow-error';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';
import { listTasks } from './deployments';
import { updateRecord } from './records';
import { applySequencedReport, StaleReport, type SequencedReport } from './sequenced-report';
import { unfinishedDeployments } from './usage';

/** Backup requests of an entity (or of the tenant) that have not ended yet. */
export async function unfinishedBackupRequests(store: CatalogueStore, tenantId: string, entityId?: string): Promise<BackupRequest[]> {
  const requests = await listAll(store, tenantId, 'backupRequest', entityId ? { group: entityId } : {});
  return requests.filter((r) => !isTerminalTaskState(r.state));
}

/**
 * A machine boots into one armed task at a time: refuses a backup request while the machine has
 * an unfinished backup request or an unfinished task in a deployment, and the other way round.
 */
export async function refuseIfMachineBusy(store: CatalogueStore, tenantId: string, machine: Machine, asking: 'backup' | 'deploy'): Promise<void> {
  const request = (await unfinishedBackupRequests(store, tenantId, machine.entityId)).find((r) => r.machineId === machine.id);
  if (request) throw new ConflictError(`machine "${machine.hostname}" already has unfinished backup request ${request.id} (${request.state})`);
  if (asking === 'deploy') return; // the deployment route checks unfinished deployments itself
  for (const deployment of await unfinishedDeployments(store, tenantId, machine.entityId)) {
    if (!deployment.machineIds.includes(machine.id)) continue;
    const task = (await listTasks(store, tenantId, deployment.id)).find((t) => t.machineId === machine.id);
    if (task && !isTerminalTaskState(task.state)) {
      throw new ConflictError(`machine "${machine.hostname}" is armed for deployment ${deployment.id} (${task.state}); cancel it or wait for it to finish`);
    }
  }
}

/** Moves a request as the API asks (cancel), refusing what the task state machine forbids. */
export function moveBackupRequest(store: CatalogueStore, tenantId: string, id: string, now: Date, state: DeploymentTaskState): Promise<BackupRequest> {
  return updateRecord(store, tenantId, 'backupRequest', id, now, (request) => {
    if (!canMoveTask(request.state, state)) throw new ConflictError(`backup request ${id} is ${request.state}; it cannot become ${state}`);
    return { ...request, state };
  });
}

/**
 * The edge acknowledged arming a request (its snapshot now boots the machine into backup mode):
 * pending → waiting-for-boot. Anything else (a report already moved it on, it was cancelled)
 * is left as it is.
 */
export async function markBackupRequestArmed(store: CatalogueStore, tenantId: string, id: string, now: Date): Promise<void> {
  const current = await store.get(tenantId, 'backupRequest', id);
  if (current?.state !== 'pending') return;
  try {
    await updateRecord(store, tenantId, 'backupRequest', id, now, (request) => {
      if (request.state !== 'pending') throw new StaleReport();
      return { ...request, state: 'waiting-for-boot' };
    });
  } catch (error) {
    if (!(error instanceof StaleReport)) throw error;
  }
}

export interface BackupRequestReport extends SequencedReport<'backupRequest'> {
  backupImageId?: string;
}

/**
 * Applies an edge's report of a backup request (applySequencedReport), keeping the backup image
 * it names. Returns false when the report changed nothing.
 */
export function applyBackupRequestReport(store: CatalogueStore, tenantId: string, id: string, now: Date, report: BackupRequestReport): Promise<boolean> {
  const { backupImageId, ...sequenced } = report;
  return applySequencedReport(store, tenantId, 'backupRequest', id, now, sequenced, (request) => ({ backupImageId: backupImageId ?? request.backupImageId }));
}

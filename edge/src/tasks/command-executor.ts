import type { Command } from '@marrow/shared';
import type { SnapshotSync } from '../catalogue/snapshot-sync';
import type { CommandResult } from '../telemetry/telemetry-agent';
import type { WakeLog } from './wake-log';
import type { SyncReport } from '../imagecache/master-sync';
import { sendWakeOnLan, type WakeOnLanTarget } from './wake-on-lan';

export interface CommandExecutorDeps {
  sync: SnapshotSync;
  /** Pre-fetches a master's chunks into the cache. */
  syncMaster: (masterId: string) => Promise<SyncReport>;
  wakeLog: WakeLog;
  wakeTargets: readonly WakeOnLanTarget[];
  /** This edge's address on the site network (picks the interface for broadcasts). */
  bindAddress?: string;
}

/** What the edge does for each command from the control plane. */
export function createCommandExecutor(deps: CommandExecutorDeps): (command: Command) => Promise<CommandResult> {
  const wake = async (macs: readonly string[]) => {
    for (const mac of macs) {
      await sendWakeOnLan({ mac, targets: deps.wakeTargets, ...(deps.bindAddress ? { bindAddress: deps.bindAddress } : {}) });
      deps.wakeLog.record(mac);
    }
  };
  return async (command) => {
    switch (command.type) {
      case 'catalogue-changed':
      case 'cancel-deployment':
        // The snapshot no longer arms the cancelled tasks once synced.
        await deps.sync.syncNow();
        return syncOutcome(deps.sync);
      case 'arm-deployment': {
        await deps.sync.syncNow();
        if (!deps.sync.status.controlPlaneReachable) return syncOutcome(deps.sync);
        const tasks = deps.sync.snapshot?.armedTasks.filter((t) => t.deploymentId === command.deploymentId) ?? [];
        const toWake = tasks.filter((t) => t.wakeOnLan).map((t) => t.mac);
        await wake(toWake);
        return { result: 'done', message: `${tasks.length} task(s) armed, ${toWake.length} machine(s) woken` };
      }
      case 'arm-backup-request': {
        await deps.sync.syncNow();
        if (!deps.sync.status.controlPlaneReachable) return syncOutcome(deps.sync);
        const task = deps.sync.snapshot?.armedTasks.find((t) => t.backupRequestId === command.backupRequestId);
        // Not armed: it ended or was cancelled meanwhile (the cloud keeps its real state).
        if (!task) return { result: 'failed', message: "the backup request is not armed in this site's snapshot" };
        if (task.wakeOnLan) await wake([task.mac]);
        return { result: 'done', message: `backup of ${task.mac} armed${task.wakeOnLan ? ', machine woken' : ''}` };
      }
      case 'cancel-backup-request':
        // The snapshot no longer arms the cancelled request once synced.
        await deps.sync.syncNow();
        return syncOutcome(deps.sync);
      case 'wake-machines':
        await wake(command.macs);
        return { result: 'done', message: `${command.macs.length} machine(s) woken` };
      case 'sync-master': {
        const report = await deps.syncMaster(command.masterId);
        const deltas = report.deltaChunks ? `; ${report.deltaChunks} of them rebuilt from deltas against cached chunks` : '';
        return { result: 'done', message: `${report.downloaded} chunk(s) downloaded (${report.downloadedBytes} bytes), ${report.alreadyCached} already cached${deltas}` };
      }
    }
  };
}

function syncOutcome(sync: SnapshotSync): CommandResult {
  return sync.status.controlPlaneReachable
    ? { result: 'done' }
    : { result: 'failed', message: `could not sync the catalogue: ${sync.status.lastError ?? 'unknown error'}` };
}

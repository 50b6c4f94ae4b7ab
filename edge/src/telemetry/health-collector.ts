import { readFile } from 'node:fs/promises';
import { freemem, loadavg, totalmem, uptime } from 'node:os';
import { ulid } from 'ulid';
import type { HealthReport } from '@marrow/shared';
import { partitionUsage } from './partitions';

export interface HealthSources {
  imagingServerId: string;
  softwareVersion: string;
  intervalSeconds: number;
  services: () => HealthReport['services'];
  controlPlane: () => { reachable: boolean; lastError: string | null };
  cache?: () => { usedBytes: number; quotaBytes: number };
  mountsFile?: string;
}

/** One health report of this appliance, as of now. */
export async function collectHealth(sources: HealthSources): Promise<HealthReport> {
  const controlPlane = sources.controlPlane();
  const [one, five, fifteen] = loadavg() as [number, number, number];
  const total = totalmem();
  return {
    id: `hr_${ulid()}`,
    sentAt: new Date().toISOString(),
    imagingServerId: sources.imagingServerId,
    softwareVersion: sources.softwareVersion,
    intervalSeconds: sources.intervalSeconds,
    partitions: await partitionUsage(sources.mountsFile),
    load: {
      uptimeSeconds: Math.round(uptime()),
      loadAverage: [one, five, fifteen],
      memoryUsedBytes: total - (await availableMemory()),
      memoryTotalBytes: total,
    },
    services: sources.services(),
    ...(sources.cache ? { cache: sources.cache() } : {}),
    controlPlaneReachable: controlPlane.reachable,
    lastError: controlPlane.lastError,
  };
}

/** MemAvailable (what can be used without swapping) is the honest "free"; os.freemem() counts caches as used. */
async function availableMemory(): Promise<number> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(meminfo);
  return match ? Number(match[1]) * 1024 : freemem();
}


import { readFile, statfs } from 'node:fs/promises';
import type { PartitionUsage } from '@marrow/shared';

/** Filesystems that hold data (not /proc, cgroups, tmpfs and other virtual ones). */
const REAL_FILESYSTEMS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat', 'exfat', 'ntfs', 'ntfs3', 'fuseblk', 'zfs', 'f2fs', 'jfs', 'reiserfs']);

/**
 * Disk space of each mounted partition of the appliance, as the status page shows it
 * ("/dev/vda3 mounted on /: total, free"). Read from /proc/self/mounts and statfs(2).
 */
export async function partitionUsage(mountsFile = '/proc/self/mounts'): Promise<PartitionUsage[]> {
  const text = await readFile(mountsFile, 'utf8').catch(() => '');
  const seen = new Set<string>();
  const usage: PartitionUsage[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMount, type] = line.split(' ');
    if (!device || !rawMount || !type || !REAL_FILESYSTEMS.has(type)) continue;
    // /proc/mounts escapes spaces and the like as octal (\040).
    const mountPoint = rawMount.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (seen.has(device)) continue; // bind mounts of the same partition count once
    try {
      const stats = await statfs(mountPoint);
      seen.add(device);
      usage.push({
        device,
        mountPoint,
        totalBytes: Number(stats.blocks) * Number(stats.bsize),
        freeBytes: Number(stats.bavail) * Number(stats.bsize),
      });
    } catch {
      // A mount we may not look at (permissions, a stale network mount): skip it.
    }
  }
  return usage;
}

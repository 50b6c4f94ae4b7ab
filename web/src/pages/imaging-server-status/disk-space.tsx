import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { PartitionUsage } from '@marrow/shared';
import { EmptyState } from '../../components/page-states';
import { formatGB } from '../../format/format';

/** Disk space per partition of the appliance: where masters and backups are cached. */
export function DiskSpace({ partitions }: { partitions: readonly PartitionUsage[] }) {
  return (
    <Container
      header={
        <Header variant="h2" description="Storage of the imaging server: the free space is room left for images.">
          Disk space
        </Header>
      }
    >
      {partitions.length === 0 ? (
        <EmptyState title="No partitions reported" />
      ) : (
        <SpaceBetween size="l">
          {partitions.map((p) => {
            const used = Math.max(0, p.totalBytes - p.freeBytes);
            const percent = p.totalBytes > 0 ? Math.round((used / p.totalBytes) * 100) : 0;
            return (
              <ProgressBar
                key={`${p.device}:${p.mountPoint}`}
                label={`${p.device} (${p.mountPoint})`}
                description={`${formatGB(used)} used of ${formatGB(p.totalBytes)}`}
                value={percent}
                additionalInfo={`${formatGB(p.freeBytes)} free`}
                status={percent >= 95 ? 'error' : 'in-progress'}
                {...(percent >= 95 ? { resultText: `${formatGB(p.freeBytes)} free: almost full` } : {})}
              />
            );
          })}
        </SpaceBetween>
      )}
    </Container>
  );
}

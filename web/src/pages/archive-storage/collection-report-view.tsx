import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import type { StorageCollection } from '@marrow/shared';
import { formatDateTime, formatNumber, formatSize } from '../../format/format';
import { plural } from './collection-report';

/** The figures of a collection: what is in use, what can be (or was) reclaimed, what is kept because recent. */
export function CollectionReportView({ report }: { report: StorageCollection }) {
  const { referenced, unreferenced, keptRecent } = report;
  return (
    <Container
      data-testid="collection-report"
      header={
        <Header
          variant="h2"
          description={`${report.dryRun ? 'Checked' : 'Collected'} ${formatDateTime(report.startedAt)}, from ${plural(report.manifestsRead, 'manifest')} of masters and backup images.`}
        >
          {report.dryRun ? 'Archive check' : 'Archive collection'}
        </Header>
      }
    >
      <KeyValuePairs
        columns={3}
        items={[
          {
            type: 'group',
            title: 'In use',
            items: [
              { label: 'Chunks', value: formatNumber(referenced.chunks) },
              { label: 'Deltas', value: formatNumber(referenced.deltas) },
              { label: 'Manifests read', value: formatNumber(report.manifestsRead) },
            ],
          },
          {
            type: 'group',
            title: report.dryRun ? 'Can be reclaimed' : 'Unused',
            items: [
              { label: 'Unused chunks', value: formatNumber(unreferenced.chunks) },
              { label: 'Unused deltas', value: formatNumber(unreferenced.deltas) },
              { label: 'Size', value: <span data-testid="reclaimable-size">{formatSize(unreferenced.bytes)}</span> },
              {
                label: report.abandonedUploads.deleted ? 'Abandoned uploads deleted' : 'Abandoned uploads',
                value: `${formatNumber(report.abandonedUploads.uploads)} (${formatSize(report.abandonedUploads.bytes)})`,
              },
            ],
          },
          {
            type: 'group',
            title: 'Kept because recent',
            items: [
              { label: 'Chunks and deltas younger than 7 days', value: formatNumber(keptRecent.objects) },
              { label: 'Size', value: formatSize(keptRecent.bytes) },
            ],
          },
        ]}
      />
    </Container>
  );
}

import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import type { ServerLoad as Load } from '@marrow/shared';
import { formatDuration, formatGB, formatNumber } from '../../format/format';

/** Uptime, load average and memory of the appliance. */
export function ServerLoad({ load }: { load: Load }) {
  const memoryPercent = load.memoryTotalBytes > 0 ? Math.round((load.memoryUsedBytes / load.memoryTotalBytes) * 100) : 0;
  const [one, five, fifteen] = load.loadAverage;
  return (
    <Container header={<Header variant="h2">Server load</Header>}>
      <KeyValuePairs
        columns={3}
        items={[
          { label: 'Uptime', value: formatDuration(load.uptimeSeconds), info: undefined },
          { label: 'Load average (1, 5, 15 min)', value: [one, five, fifteen].map((v) => formatNumber(v)).join(' · ') },
          {
            label: 'Memory',
            value: (
              <ProgressBar
                value={memoryPercent}
                ariaLabel="Memory used"
                description={`${formatGB(load.memoryUsedBytes)} used of ${formatGB(load.memoryTotalBytes)}`}
              />
            ),
          },
        ]}
      />
    </Container>
  );
}

import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import type { EntityStatistics as Stats } from '@marrow/shared';

/** Imaging usage in the entity: clients, those with backup images, masters ready to deploy. */
export function EntityStatistics({ statistics, entityName }: { statistics: Stats; entityName: string }) {
  return (
    <Container header={<Header variant="h2">{`${entityName} entity statistics`}</Header>}>
      <KeyValuePairs
        columns={3}
        items={[
          { label: 'Clients', value: <Counter value={statistics.clients} /> },
          {
            label: 'Clients with backup images',
            value: (
              <>
                <Counter value={statistics.clientsWithBackupImages} />
                <Box variant="small" display="block" color="text-body-secondary">
                  {`${statistics.backupImages} backup image${statistics.backupImages === 1 ? '' : 's'} in all`}
                </Box>
              </>
            ),
          },
          { label: 'Masters available', value: <Counter value={statistics.mastersAvailable} /> },
        ]}
      />
    </Container>
  );
}

function Counter({ value }: { value: number }) {
  return (
    <Box variant="awsui-value-large" tagOverride="span">
      {value}
    </Box>
  );
}

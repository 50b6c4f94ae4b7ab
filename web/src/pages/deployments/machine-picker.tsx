import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { UseQueryResult } from '@tanstack/react-query';
import type { Machine } from '@marrow/shared';
import { useCollection } from '../../collection/use-collection';
import { EmptyState, tableEmpty, tableError } from '../../components/page-states';
import { formatRelative } from '../../format/format';

const filterFields = (m: Machine) => [m.hostname, m.mac];
const sortBy = { hostname: (m: Machine) => m.hostname, mac: (m: Machine) => m.mac, lastSeen: (m: Machine) => m.lastSeenAt };

/** The machines to deploy: a filterable table with multiple selection. */
export function MachinePicker({
  machines,
  selectedIds,
  onChange,
  errorText,
}: {
  machines: UseQueryResult<Machine[]>;
  selectedIds: string[];
  onChange: (ids: string[]) => void;
  errorText: string | undefined;
}) {
  const collection = useCollection(machines.data, { filterFields, sortBy, defaultSort: { columnId: 'hostname' }, pageSize: 10 });
  const selected = (machines.data ?? []).filter((m) => selectedIds.includes(m.id));
  return (
    <FormField errorText={errorText} stretch>
      <Table
        {...collection.tableProps}
        trackBy="id"
        selectionType="multi"
        selectedItems={selected}
        onSelectionChange={({ detail }) => onChange(detail.selectedItems.map((m) => m.id))}
        ariaLabels={{
          selectionGroupLabel: 'Machines to deploy',
          allItemsSelectionLabel: () => 'Select every machine shown',
          itemSelectionLabel: (_s, m) => `Deploy to ${m.hostname}`,
        }}
        columnDefinitions={[
          { id: 'hostname', header: 'Hostname', cell: (m) => m.hostname, sortingField: 'hostname', isRowHeader: true },
          { id: 'mac', header: 'MAC address', cell: (m) => <Box variant="code">{m.mac}</Box>, sortingField: 'mac' },
          { id: 'lastSeen', header: 'Last seen', cell: (m) => formatRelative(m.lastSeenAt), sortingField: 'lastSeen' },
        ]}
        loading={machines.isPending}
        loadingText="Loading machines"
        empty={
          machines.isError
            ? tableError(machines.error, () => machines.refetch(), 'machines')
            : tableEmpty(collection, <EmptyState title="No machines" subtitle="Register machines in this entity first." />)
        }
        header={
          <Header counter={`(${selected.length}/${machines.data?.length ?? 0})`} description="Machines of the entity that receive the master.">
            Machines
          </Header>
        }
        filter={<TextFilter {...collection.filterProps} filteringPlaceholder="Find machines" filteringAriaLabel="Filter machines" />}
        pagination={<Pagination {...collection.paginationProps} />}
      />
    </FormField>
  );
}

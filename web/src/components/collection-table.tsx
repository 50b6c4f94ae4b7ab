import { Fragment, type ReactNode } from 'react';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { Collection } from '../collection/use-collection';
import { EmptyState, tableEmpty, tableError, type EmptyStateProps } from './page-states';

/** The query that loads a table's items. */
export interface ItemsQuery {
  data: readonly unknown[] | undefined;
  isPending: boolean;
  isFetching: boolean;
  isError: boolean;
  error: unknown;
  refetch: () => Promise<unknown>;
}

/** Table props this component sets itself. */
type OwnTableProps =
  | 'items'
  | 'sortingColumn'
  | 'sortingDescending'
  | 'onSortingChange'
  | 'variant'
  | 'stickyHeader'
  | 'loading'
  | 'loadingText'
  | 'empty'
  | 'header'
  | 'filter'
  | 'pagination';

export interface CollectionTableProps<T> extends Omit<TableProps<T>, OwnTableProps> {
  collection: Collection<T>;
  query: ItemsQuery;
  /** The items as users call them, in the plural: "answer files" ("Loading answer files"). */
  what: string;
  /** A table that is the page ("full-page"), or one part of it ("container"). */
  variant: 'full-page' | 'container';
  title: string;
  description?: ReactNode;
  /** What follows the refresh button, e.g. the button that creates an item; a list for several, spaced apart. */
  actions?: ReactNode | readonly ReactNode[];
  /** No refresh button. */
  withoutRefresh?: boolean;
  /** Accessible name of the refresh button; "Refresh <what>" unless given. */
  refreshLabel?: string;
  /** What the refresh button does; refetches the query unless given. */
  onRefresh?: () => unknown;
  /** Shown when there are no items at all. */
  empty: EmptyStateProps;
  filteringPlaceholder: string;
  /** Accessible name of the filter; "Filter <what>" unless given. */
  filteringAriaLabel?: string;
}

/**
 * A page's table of items: header with counter and refresh, loading, empty, no-match and
 * error states, text filter and pagination, over the state of useCollection.
 */
export function CollectionTable<T>(props: CollectionTableProps<T>) {
  const {
    collection,
    query,
    what,
    variant,
    title,
    description,
    actions,
    withoutRefresh,
    refreshLabel = `Refresh ${what}`,
    onRefresh = () => query.refetch(),
    empty,
    filteringPlaceholder,
    filteringAriaLabel = `Filter ${what}`,
    ...tableProps
  } = props;
  const refresh = withoutRefresh ? undefined : <Button iconName="refresh" ariaLabel={refreshLabel} loading={query.isFetching} onClick={onRefresh} />;
  return (
    <Table
      {...collection.tableProps}
      {...tableProps}
      variant={variant}
      stickyHeader
      loading={query.isPending}
      loadingText={`Loading ${what}`}
      empty={query.isError ? tableError(query.error, () => query.refetch(), what) : tableEmpty(collection, <EmptyState {...empty} />)}
      header={
        <Header
          variant={variant === 'full-page' ? 'awsui-h1-sticky' : 'h2'}
          counter={query.data ? `(${query.data.length})` : undefined}
          description={description}
          actions={headerActions(refresh, actions)}
        >
          {title}
        </Header>
      }
      filter={<TextFilter {...collection.filterProps} filteringPlaceholder={filteringPlaceholder} filteringAriaLabel={filteringAriaLabel} />}
      pagination={<Pagination {...collection.paginationProps} />}
    />
  );
}

/** The refresh button and the other actions, spaced apart. */
function headerActions(refresh: ReactNode, actions: ReactNode | readonly ReactNode[]): ReactNode {
  const others = (Array.isArray(actions) ? actions : [actions])
    .filter((action) => action !== null && action !== undefined && typeof action !== 'boolean')
    .map((action, index) => <Fragment key={index}>{action}</Fragment>);
  if (others.length === 0) return refresh;
  if (!refresh) return others;
  return (
    <SpaceBetween direction="horizontal" size="xs">
      {refresh}
      {others}
    </SpaceBetween>
  );
}

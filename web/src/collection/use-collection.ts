import { useEffect, useMemo, useState } from 'react';
import type { PaginationProps } from '@cloudscape-design/components/pagination';
import type { TableProps } from '@cloudscape-design/components/table';
import type { TextFilterProps } from '@cloudscape-design/components/text-filter';
import { matchesFilter, pageCount, pageOf, sortItems } from './collection';

type Comparable = string | number | boolean | null | undefined;

export interface CollectionOptions<T> {
  /** The texts the filter searches in. */
  filterFields: (item: T) => readonly (string | null | undefined)[];
  /** Sort keys by column id; a column is sortable when it has one (its sortingField is its id). */
  sortBy: Record<string, (item: T) => Comparable>;
  defaultSort?: { columnId: string; descending?: boolean };
  pageSize?: number;
  /** Extra filtering (e.g. a status select), applied with the text filter. */
  extraFilter?: (item: T) => boolean;
}

/**
 * Client-side filtering, sorting and pagination for a Cloudscape Table: spread
 * `tableProps` on the Table, `filterProps` on a TextFilter and `paginationProps` on a Pagination.
 */
export function useCollection<T>(allItems: readonly T[] | undefined, options: CollectionOptions<T>) {
  const { filterFields, sortBy, defaultSort, pageSize = 20, extraFilter } = options;
  const [filteringText, setFilteringText] = useState('');
  const [currentPageIndex, setCurrentPageIndex] = useState(1);
  const [sortingColumnId, setSortingColumnId] = useState<string | null>(defaultSort?.columnId ?? null);
  const [sortingDescending, setSortingDescending] = useState(defaultSort?.descending ?? false);

  const filtered = useMemo(
    () => (allItems ?? []).filter((item) => matchesFilter(item, filteringText, filterFields) && (extraFilter?.(item) ?? true)),
    [allItems, filteringText, filterFields, extraFilter],
  );
  const sorted = useMemo(
    () => sortItems(filtered, { columnId: sortingColumnId, descending: sortingDescending, comparators: sortBy }),
    [filtered, sortingColumnId, sortingDescending, sortBy],
  );
  const pagesCount = pageCount(sorted.length, pageSize);
  useEffect(() => {
    if (currentPageIndex > pagesCount) setCurrentPageIndex(pagesCount);
  }, [currentPageIndex, pagesCount]);
  const items = useMemo(() => pageOf(sorted, currentPageIndex, pageSize), [sorted, currentPageIndex, pageSize]);

  const clearFilter = () => {
    setFilteringText('');
    setCurrentPageIndex(1);
  };

  const filterProps: Pick<TextFilterProps, 'filteringText' | 'onChange' | 'countText'> = {
    filteringText,
    onChange: ({ detail }) => {
      setFilteringText(detail.filteringText);
      setCurrentPageIndex(1);
    },
    countText: filteringText ? `${filtered.length} ${filtered.length === 1 ? 'match' : 'matches'}` : '',
  };

  const paginationProps: Pick<PaginationProps, 'currentPageIndex' | 'pagesCount' | 'onChange'> = {
    currentPageIndex: Math.min(currentPageIndex, pagesCount),
    pagesCount,
    onChange: ({ detail }) => setCurrentPageIndex(detail.currentPageIndex),
  };

  const tableProps: Pick<TableProps<T>, 'items' | 'sortingColumn' | 'sortingDescending' | 'onSortingChange'> = {
    items,
    sortingColumn: sortingColumnId ? { sortingField: sortingColumnId } : undefined,
    sortingDescending,
    onSortingChange: ({ detail }) => {
      setSortingColumnId(detail.sortingColumn.sortingField ?? null);
      setSortingDescending(detail.isDescending ?? false);
    },
  } as Pick<TableProps<T>, 'items' | 'sortingColumn' | 'sortingDescending' | 'onSortingChange'>;

  return {
    items,
    tableProps,
    filterProps,
    paginationProps,
    filteredCount: filtered.length,
    totalCount: allItems?.length ?? 0,
    filtering: filteringText !== '' || Boolean(extraFilter && filtered.length !== (allItems?.length ?? 0)),
    clearFilter,
  };
}

/** What useCollection gives a table. */
export type Collection<T> = ReturnType<typeof useCollection<T>>;

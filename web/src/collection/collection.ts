/**
 * Filtering, sorting and paging of a table's items, as pure functions (the hook in
 * use-collection.ts keeps the state). A tiny stand-in for Cloudscape's collection hooks.
 */
export interface SortState<T> {
  /** Column id; the column's sort key says how to compare. */
  columnId: string | null;
  descending: boolean;
  comparators: Record<string, (item: T) => string | number | boolean | null | undefined>;
}

export function matchesFilter<T>(item: T, text: string, fields: (item: T) => readonly (string | null | undefined)[]): boolean {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fields(item)
    .filter((v): v is string => typeof v === 'string')
    .join(' ')
    .toLowerCase();
  return words.every((word) => haystack.includes(word));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function compareValues(a: string | number | boolean | null | undefined, b: string | number | boolean | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1; // empty values last
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a ? -1 : 1;
  return collator.compare(String(a), String(b));
}

export function sortItems<T>(items: readonly T[], sort: SortState<T>): T[] {
  const key = sort.columnId ? sort.comparators[sort.columnId] : undefined;
  if (!key) return [...items];
  const sign = sort.descending ? -1 : 1;
  return items
    .map((item, index) => ({ item, index, value: key(item) }))
    .sort((x, y) => sign * compareValues(x.value, y.value) || x.index - y.index)
    .map((entry) => entry.item);
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

export function pageOf<T>(items: readonly T[], page: number, pageSize: number): T[] {
  const last = pageCount(items.length, pageSize);
  const current = Math.min(Math.max(1, page), last);
  return items.slice((current - 1) * pageSize, current * pageSize);
}

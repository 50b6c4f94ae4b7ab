import { describe, expect, it } from 'vitest';
import { matchesFilter, pageCount, pageOf, sortItems } from './collection';

interface Row {
  name: string;
  size: number;
  seen: string | null;
}
const rows: Row[] = [
  { name: 'lab-10', size: 3, seen: '2026-01-02' },
  { name: 'lab-9', size: 1, seen: null },
  { name: 'Office-1', size: 2, seen: '2026-01-01' },
];
const comparators = { name: (r: Row) => r.name, size: (r: Row) => r.size, seen: (r: Row) => r.seen };

describe('collection', () => {
  it('filters on every word, case-insensitively, across the given fields', () => {
    const fields = (r: Row) => [r.name, r.seen];
    expect(rows.filter((r) => matchesFilter(r, 'LAB', fields)).map((r) => r.name)).toEqual(['lab-10', 'lab-9']);
    expect(rows.filter((r) => matchesFilter(r, 'lab 2026-01-02', fields)).map((r) => r.name)).toEqual(['lab-10']);
    expect(rows.filter((r) => matchesFilter(r, '  ', fields))).toHaveLength(3);
  });
  it('sorts naturally, both ways, with empty values last', () => {
    expect(sortItems(rows, { columnId: 'name', descending: false, comparators }).map((r) => r.name)).toEqual(['lab-9', 'lab-10', 'Office-1']);
    expect(sortItems(rows, { columnId: 'size', descending: true, comparators }).map((r) => r.size)).toEqual([3, 2, 1]);
    expect(sortItems(rows, { columnId: 'seen', descending: false, comparators }).map((r) => r.name)).toEqual(['Office-1', 'lab-10', 'lab-9']);
  });
  it('pages, clamping the page number', () => {
    const many = Array.from({ length: 25 }, (_, i) => i);
    expect(pageCount(25, 10)).toBe(3);
    expect(pageCount(0, 10)).toBe(1);
    expect(pageOf(many, 3, 10)).toEqual([20, 21, 22, 23, 24]);
    expect(pageOf(many, 9, 10)).toEqual([20, 21, 22, 23, 24]);
  });
});

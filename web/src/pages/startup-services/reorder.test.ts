import { describe, expect, it } from 'vitest';
import { reorder } from './reorder';

describe('reorder', () => {
  const items = [
    { id: 'a', order: 10 },
    { id: 'b', order: 20 },
    { id: 'c', order: 100 },
  ];
  it('swaps neighbours and renumbers only what changes', () => {
    expect(reorder(items, 'b', -1)).toEqual([
      { id: 'b', order: 10 },
      { id: 'a', order: 20 },
      { id: 'c', order: 30 },
    ]);
    expect(reorder(items, 'a', 1)).toEqual([
      { id: 'b', order: 10 },
      { id: 'a', order: 20 },
      { id: 'c', order: 30 },
    ]);
  });
  it('does nothing at the ends', () => {
    expect(reorder(items, 'a', -1)).toEqual([]);
    expect(reorder(items, 'c', 1)).toEqual([]);
  });
});

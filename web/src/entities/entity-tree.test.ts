import { describe, expect, it } from 'vitest';
import { entityRows, subtreeIds } from './entity-tree';

const entities = [
  { id: 'b', name: 'Lyon', parentId: 'a' },
  { id: 'a', name: 'General', parentId: null },
  { id: 'c', name: 'Building 10', parentId: 'b' },
  { id: 'd', name: 'Building 9', parentId: 'b' },
  { id: 'e', name: 'Archive', parentId: null },
  { id: 'f', name: 'Orphan', parentId: 'gone' },
];

describe('entityRows', () => {
  it('lists entities depth-first with their path', () => {
    expect(entityRows(entities).map((r) => `${r.depth} ${r.path}`)).toEqual([
      '0 Archive',
      '0 General',
      '1 General / Lyon',
      '2 General / Lyon / Building 9',
      '2 General / Lyon / Building 10',
      '0 Orphan',
    ]);
  });
  it('finds a subtree', () => {
    expect([...subtreeIds(entities, 'b')].sort()).toEqual(['b', 'c', 'd']);
  });
});

import { describe, expect, it } from 'vitest';
import { checkEntityParent } from './entity-tree';

const tree = [
  { id: 'a', parentId: null },
  { id: 'b', parentId: 'a' },
  { id: 'c', parentId: 'b' },
  { id: 'x', parentId: null },
];

describe('checkEntityParent', () => {
  it('accepts a new child or a move to another branch', () => {
    expect(checkEntityParent(tree, null, 'c')).toBeNull();
    expect(checkEntityParent(tree, 'b', 'x')).toBeNull();
    expect(checkEntityParent(tree, 'b', null)).toBeNull();
  });

  it('refuses cycles and unknown parents', () => {
    expect(checkEntityParent(tree, 'a', 'a')).toContain('its own parent');
    expect(checkEntityParent(tree, 'a', 'c')).toContain('descendants');
    expect(checkEntityParent(tree, 'a', 'nope')).toContain('does not exist');
  });

  it('limits the depth, counting the moved subtree', () => {
    const chain = Array.from({ length: 8 }, (_, i) => ({ id: `e${i}`, parentId: i === 0 ? null : `e${i - 1}` }));
    expect(checkEntityParent(chain, null, 'e6')).toBeNull();
    expect(checkEntityParent(chain, null, 'e7')).toContain('at most 8');
    expect(checkEntityParent([...chain, ...tree], 'a', 'e5')).toContain('at most 8');
  });
});

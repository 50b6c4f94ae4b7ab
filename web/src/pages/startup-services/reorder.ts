/**
 * Moving a boot service one place up or down: the new order of every item, renumbered
 * 10, 20, 30… so there is room to insert later; returns only the items whose order changes.
 */
export function reorder<T extends { id: string; order: number }>(sorted: readonly T[], id: string, by: -1 | 1): { id: string; order: number }[] {
  const index = sorted.findIndex((s) => s.id === id);
  const target = index + by;
  if (index < 0 || target < 0 || target >= sorted.length) return [];
  const next = [...sorted];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next.map((s, i) => ({ id: s.id, order: (i + 1) * 10, before: s.order })).filter((s) => s.order !== s.before).map(({ id: sid, order }) => ({ id: sid, order }));
}

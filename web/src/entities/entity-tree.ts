/**
 * Entities nest (parentId). Selectors and tables show them depth-first, each with its full
 * path ("General / Lyon site / Building B"), so nested entities with the same name stay apart.
 */
export interface EntityLike {
  id: string;
  name: string;
  parentId: string | null;
}

export interface EntityRow<E extends EntityLike> {
  entity: E;
  path: string;
  depth: number;
}

export const PATH_SEPARATOR = ' / ';

export function entityRows<E extends EntityLike>(entities: readonly E[]): EntityRow<E>[] {
  const ids = new Set(entities.map((e) => e.id));
  const children = new Map<string | null, E[]>();
  for (const entity of entities) {
    // An entity whose parent is not visible is shown as a top-level one rather than lost.
    const parent = entity.parentId && ids.has(entity.parentId) ? entity.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), entity]);
  }
  for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const rows: EntityRow<E>[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, prefix: string, depth: number) => {
    for (const entity of children.get(parent) ?? []) {
      if (seen.has(entity.id)) continue; // defensive: a cycle would otherwise loop forever
      seen.add(entity.id);
      const path = prefix ? `${prefix}${PATH_SEPARATOR}${entity.name}` : entity.name;
      rows.push({ entity, path, depth });
      walk(entity.id, path, depth + 1);
    }
  };
  walk(null, '', 0);
  return rows;
}

/** Ids of an entity and all its descendants (what a move must not target). */
export function subtreeIds(entities: readonly EntityLike[], rootId: string): Set<string> {
  const out = new Set([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of entities) {
      if (e.parentId && out.has(e.parentId) && !out.has(e.id)) {
        out.add(e.id);
        grew = true;
      }
    }
  }
  return out;
}

import { MAX_ENTITY_DEPTH } from '../catalogue/entity';

export interface EntityNode {
  id: string;
  parentId: string | null;
}

/**
 * Checks that giving `entityId` the parent `newParentId` keeps the entities a forest:
 * no entity may become its own ancestor, and nesting stays within MAX_ENTITY_DEPTH.
 * Returns a message for the user, or null when the move is fine.
 */
export function checkEntityParent(
  entities: readonly EntityNode[],
  entityId: string | null,
  newParentId: string | null,
): string | null {
  if (newParentId === null) return null;
  const byId = new Map(entities.map((e) => [e.id, e]));
  if (!byId.has(newParentId)) return 'parent entity does not exist';
  if (entityId !== null && newParentId === entityId) return 'an entity cannot be its own parent';
  let depth = 1;
  for (let cursor = byId.get(newParentId); cursor; cursor = cursor.parentId ? byId.get(cursor.parentId) : undefined) {
    if (cursor.id === entityId) return 'an entity cannot be moved under one of its own descendants';
    depth += 1;
    if (depth > MAX_ENTITY_DEPTH + 1) break;
  }
  const subtree = entityId === null ? 0 : subtreeHeight(entities, entityId);
  if (depth + subtree > MAX_ENTITY_DEPTH) return `entities nest at most ${MAX_ENTITY_DEPTH} levels deep`;
  return null;
}

/** Levels below `entityId` (0 for a leaf). */
function subtreeHeight(entities: readonly EntityNode[], entityId: string): number {
  const children = entities.filter((e) => e.parentId === entityId);
  let height = 0;
  for (const child of children) height = Math.max(height, 1 + subtreeHeight(entities, child.id));
  return height;
}

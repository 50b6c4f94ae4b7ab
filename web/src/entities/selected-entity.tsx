import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import type { Entity } from '@marrow/shared';
import { useEntities } from '../api/queries';
import { useSession } from '../auth/session';
import { entityRows, type EntityRow } from './entity-tree';

/**
 * The entity the per-entity pages work on. `?entity=` in the URL wins (links can be shared);
 * otherwise the last one chosen in this tenant, otherwise the first top-level entity.
 */
interface SelectedEntity {
  entityId: string | undefined;
  entity: Entity | undefined;
  path: string | undefined;
  rows: EntityRow<Entity>[];
  setEntityId(entityId: string): void;
  entities: ReturnType<typeof useEntities>;
}

const SelectedEntityContext = createContext<SelectedEntity | null>(null);
const storageKey = (tenantId: string) => `marrow.entity.${tenantId}`;

export function SelectedEntityProvider({ children }: { children: ReactNode }) {
  const { tenantId } = useSession();
  const entities = useEntities();
  const [searchParams, setSearchParams] = useSearchParams();
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const rows = useMemo(() => entityRows(entities.data ?? []), [entities.data]);

  const fromUrl = searchParams.get('entity');
  const remembered = chosen[tenantId] ?? localStorage.getItem(storageKey(tenantId));
  const candidate = [fromUrl, remembered].find((id) => id && rows.some((r) => r.entity.id === id));
  const selected = rows.find((r) => r.entity.id === candidate) ?? rows[0];

  const setEntityId = useCallback(
    (entityId: string) => {
      localStorage.setItem(storageKey(tenantId), entityId);
      setChosen((current) => ({ ...current, [tenantId]: entityId }));
      setSearchParams(
        (params) => {
          const next = new URLSearchParams(params);
          next.set('entity', entityId);
          return next;
        },
        { replace: true },
      );
    },
    [tenantId, setSearchParams],
  );

  const value = useMemo<SelectedEntity>(
    () => ({ entityId: selected?.entity.id, entity: selected?.entity, path: selected?.path, rows, setEntityId, entities }),
    [selected, rows, setEntityId, entities],
  );
  return <SelectedEntityContext.Provider value={value}>{children}</SelectedEntityContext.Provider>;
}

export function useSelectedEntity(): SelectedEntity {
  const value = useContext(SelectedEntityContext);
  if (!value) throw new Error('useSelectedEntity outside SelectedEntityProvider');
  return value;
}

/** Path of any entity of the tenant ("General / Lyon"), for tables that list several. */
export function useEntityPaths(): Map<string, string> {
  const { rows } = useSelectedEntity();
  return useMemo(() => new Map(rows.map((r) => [r.entity.id, r.path])), [rows]);
}

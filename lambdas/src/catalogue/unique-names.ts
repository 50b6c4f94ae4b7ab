import { ConflictError } from '../errors/marrow-error';
import { listAll, type CatalogueRecords, type CatalogueStore } from '../ports/catalogue-store';

/** Kinds whose records are found by a name unique in the tenant (post-imaging scripts name them). */
export type NamedKind = 'answerFile' | 'agent';

const uniqueOf = (kind: NamedKind) => `${kind}Name`;

/**
 * Reserves `name` for the record `ownerId` of `kind`. Returns the id of the record that
 * already holds it, or undefined once it is ours; a claim left by an interrupted create
 * (no record behind it) is taken over.
 */
export async function claimName(store: CatalogueStore, tenantId: string, kind: NamedKind, name: string, ownerId: string): Promise<string | undefined> {
  const owner = await store.claimUnique(tenantId, uniqueOf(kind), name, ownerId);
  if (owner === undefined) return undefined;
  if (await store.get(tenantId, kind, owner)) return owner;
  await store.releaseUnique(tenantId, uniqueOf(kind), name, owner);
  if (await store.claimUnique(tenantId, uniqueOf(kind), name, ownerId)) throw new ConflictError(`the name "${name}" is being taken concurrently; try again`);
  return undefined;
}

export function releaseName(store: CatalogueStore, tenantId: string, kind: NamedKind, name: string, ownerId: string): Promise<void> {
  return store.releaseUnique(tenantId, uniqueOf(kind), name, ownerId);
}

/** The record of `kind` with this exact name (the tenant's answer files and agents are few). */
export async function findByName<K extends NamedKind>(store: CatalogueStore, tenantId: string, kind: K, name: string): Promise<CatalogueRecords[K] | undefined> {
  return (await listAll(store, tenantId, kind)).find((r) => r.name === name);
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidCursorError,
  MarrowError,
  NotFoundError,
  RecordExistsError,
  ValidationError,
  VersionConflictError,
} from '../../lambdas/src/errors/marrow-error';
import {
  listAll,
  SYSTEM_SCOPE,
  type CatalogueStore,
  type ListQuery,
  type RecordKind,
} from '../../lambdas/src/ports/catalogue-store';
import {
  deploymentTaskRecord,
  entityRecord,
  inBatches,
  machineRecord,
  newId,
  tenantRecord,
} from './catalogue-fixtures';

export interface CatalogueStoreFixture {
  store: CatalogueStore;
  teardown: () => Promise<void>;
}

/**
 * What every CatalogueStore must do, whatever holds the data. Run it against each adapter
 * (see dynamodb-catalogue-store.test.ts). One store serves the whole suite; each test
 * works in fresh tenants, so tests neither depend on nor disturb each other.
 */
export function describeCatalogueStoreContract(name: string, setup: () => Promise<CatalogueStoreFixture>): void {
  describe(`CatalogueStore contract: ${name}`, () => {
    let fixture: CatalogueStoreFixture | undefined;
    const store = (): CatalogueStore => fixture!.store;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    /** Follows cursors to the end, keeping every page. */
    async function allPages<K extends RecordKind>(scope: string, kind: K, query: Omit<ListQuery, 'cursor'>) {
      const pages = [];
      let cursor: string | undefined;
      do {
        const page = await store().list(scope, kind, { ...query, ...(cursor ? { cursor } : {}) });
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor);
      return pages;
    }

    describe('single records', () => {
      it('creates and reads back a record; a missing id reads as undefined', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId, { description: 'ground floor' });
        await store().create(tenantId, 'entity', entity.id, entity);

        expect(await store().get(tenantId, 'entity', entity.id)).toEqual(entity);
        expect(await store().get(tenantId, 'entity', newId.entity())).toBeUndefined();
      });

      it('refuses to create a record whose id is taken', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        await store().create(tenantId, 'entity', entity.id, entity);

        const duplicate = store().create(tenantId, 'entity', entity.id, { ...entity, name: 'other' });
        await expect(duplicate).rejects.toBeInstanceOf(RecordExistsError);
        expect((await store().get(tenantId, 'entity', entity.id))?.name).toBe(entity.name);
      });

      it('keeps kinds apart: the same id under two kinds is two records', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        const machine = machineRecord(tenantId, entity.id, { id: entity.id });
        await store().create(tenantId, 'entity', entity.id, entity);
        await store().create(tenantId, 'machine', entity.id, machine);

        expect(await store().get(tenantId, 'entity', entity.id)).toEqual(entity);
        expect(await store().get(tenantId, 'machine', entity.id)).toEqual(machine);
      });

      it('replaces a record at the expected version', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        await store().create(tenantId, 'entity', entity.id, entity);

        const renamed = { ...entity, name: 'Renamed', version: 2 };
        await store().replace(tenantId, 'entity', entity.id, renamed, 1);
        expect(await store().get(tenantId, 'entity', entity.id)).toEqual(renamed);
      });

      it('refuses a replace at a stale version (VersionConflictError) and keeps the stored record', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        await store().create(tenantId, 'entity', entity.id, entity);
        await store().replace(tenantId, 'entity', entity.id, { ...entity, name: 'First', version: 2 }, 1);

        await expect(
          store().replace(tenantId, 'entity', entity.id, { ...entity, name: 'Second', version: 2 }, 1),
        ).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store().get(tenantId, 'entity', entity.id)).toMatchObject({ name: 'First', version: 2 });
      });

      it('refuses to replace a missing record (NotFoundError)', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);

        await expect(
          store().replace(tenantId, 'entity', entity.id, { ...entity, version: 2 }, 1),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await store().get(tenantId, 'entity', entity.id)).toBeUndefined();
      });

      it('refuses a replacement that does not carry expectedVersion + 1', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        await store().create(tenantId, 'entity', entity.id, entity);

        const attempt = store().replace(tenantId, 'entity', entity.id, { ...entity, name: 'x', version: 1 }, 1);
        await expect(attempt).rejects.toBeInstanceOf(MarrowError);
        await expect(attempt).rejects.not.toBeInstanceOf(VersionConflictError);
        expect(await store().get(tenantId, 'entity', entity.id)).toEqual(entity);
      });

      it('deletes a record once: true, then false', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        await store().create(tenantId, 'entity', entity.id, entity);

        expect(await store().delete(tenantId, 'entity', entity.id)).toBe(true);
        expect(await store().get(tenantId, 'entity', entity.id)).toBeUndefined();
        expect(await store().delete(tenantId, 'entity', entity.id)).toBe(false);
      });

      it('deletes at an expected version only', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        await store().create(tenantId, 'entity', entity.id, entity);
        await store().replace(tenantId, 'entity', entity.id, { ...entity, version: 2 }, 1);

        await expect(store().delete(tenantId, 'entity', entity.id, 1)).rejects.toBeInstanceOf(VersionConflictError);
        expect(await store().get(tenantId, 'entity', entity.id)).toBeDefined();
        expect(await store().delete(tenantId, 'entity', entity.id, 2)).toBe(true);
        expect(await store().delete(tenantId, 'entity', entity.id, 2)).toBe(false);
      });

      it('round-trips nullable fields as null and drops undefined optional fields', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        const machine = machineRecord(tenantId, entity.id, {
          uuid: null,
          lastSeenAt: null,
          inventory: { manufacturer: 'Dell Inc.', model: undefined, disks: [], memoryBytes: 17_179_869_184 },
        });
        await store().create(tenantId, 'machine', machine.id, machine);

        const stored = await store().get(tenantId, 'machine', machine.id);
        expect(stored?.uuid).toBeNull();
        expect(stored?.lastSeenAt).toBeNull();
        expect(stored?.inventory).toEqual({ manufacturer: 'Dell Inc.', disks: [], memoryBytes: 17_179_869_184 });
        expect(Object.hasOwn(stored!.inventory, 'model')).toBe(false);
      });

      it('stores records without an id field (deployment tasks) under the given id', async () => {
        const tenantId = newId.tenant();
        const deploymentId = newId.deployment();
        const machineId = newId.machine();
        const task = deploymentTaskRecord(tenantId, deploymentId, machineId);
        await store().create(tenantId, 'deploymentTask', `${deploymentId}.${machineId}`, task);

        expect(await store().get(tenantId, 'deploymentTask', `${deploymentId}.${machineId}`)).toEqual(task);
        expect((await store().list(tenantId, 'deploymentTask', { group: deploymentId })).items).toEqual([task]);
      });

      it('keeps records of no tenant in the system scope', async () => {
        const tenant = tenantRecord(newId.tenant());
        await store().create(SYSTEM_SCOPE, 'tenant', tenant.id, tenant);

        expect(await store().get(SYSTEM_SCOPE, 'tenant', tenant.id)).toEqual(tenant);
        expect(await store().get(tenant.id, 'tenant', tenant.id)).toBeUndefined();
        expect(await listAll(store(), SYSTEM_SCOPE, 'tenant')).toContainEqual(tenant);
      });

      it('refuses a scope that is neither a tenant id nor the system scope', async () => {
        const entity = entityRecord(newId.tenant());
        for (const scope of ['', 'tenant-a', `${newId.tenant()}#entity`, '_system#x']) {
          await expect(store().create(scope, 'entity', entity.id, entity)).rejects.toBeInstanceOf(ValidationError);
          await expect(store().get(scope, 'entity', entity.id)).rejects.toBeInstanceOf(ValidationError);
          await expect(store().list(scope, 'entity')).rejects.toBeInstanceOf(ValidationError);
        }
      });
    });

    describe('listing', () => {
      it('pages 250 records 100 at a time, in id order, each exactly once', async () => {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        const machines = Array.from({ length: 250 }, () => machineRecord(tenantId, entity.id));
        await inBatches(machines, 25, (m) => store().create(tenantId, 'machine', m.id, m));

        const pages = await allPages(tenantId, 'machine', { limit: 100 });
        expect(pages.map((p) => p.items.length)).toEqual([100, 100, 50]);
        const ids = pages.flatMap((p) => p.items.map((m) => m.id));
        expect(ids).toEqual(machines.map((m) => m.id).sort());
      });

      it('lists a group through the index, and only that group', async () => {
        const tenantId = newId.tenant();
        const [left, right] = [entityRecord(tenantId), entityRecord(tenantId)];
        const leftMachines = Array.from({ length: 30 }, () => machineRecord(tenantId, left.id));
        const rightMachines = Array.from({ length: 5 }, () => machineRecord(tenantId, right.id));
        await inBatches([...leftMachines, ...rightMachines], 25, (m) => store().create(tenantId, 'machine', m.id, m));

        const pages = await allPages(tenantId, 'machine', { group: left.id, limit: 12 });
        expect(pages.map((p) => p.items.length)).toEqual([12, 12, 6]);
        expect(pages.flatMap((p) => p.items.map((m) => m.id))).toEqual(leftMachines.map((m) => m.id).sort());
        expect((await store().list(tenantId, 'machine', { group: right.id })).items).toHaveLength(5);
        expect((await store().list(tenantId, 'machine', { group: newId.entity() })).items).toEqual([]);
      });

      it('moves a record between groups when a replace changes its group field', async () => {
        const tenantId = newId.tenant();
        const [from, to] = [entityRecord(tenantId), entityRecord(tenantId)];
        const machine = machineRecord(tenantId, from.id);
        await store().create(tenantId, 'machine', machine.id, machine);
        await store().replace(tenantId, 'machine', machine.id, { ...machine, entityId: to.id, version: 2 }, 1);

        expect((await store().list(tenantId, 'machine', { group: from.id })).items).toEqual([]);
        const inTarget = await store().list(tenantId, 'machine', { group: to.id });
        expect(inTarget.items.map((m) => m.id)).toEqual([machine.id]);
      });

      it('lists top-level entities under the group "root" and children under their parent', async () => {
        const tenantId = newId.tenant();
        const top = entityRecord(tenantId);
        const child = entityRecord(tenantId, { parentId: top.id });
        await store().create(tenantId, 'entity', top.id, top);
        await store().create(tenantId, 'entity', child.id, child);

        expect((await store().list(tenantId, 'entity', { group: 'root' })).items).toEqual([top]);
        expect((await store().list(tenantId, 'entity', { group: top.id })).items).toEqual([child]);
        expect((await store().list(tenantId, 'entity')).items).toHaveLength(2);
      });

      it('refuses a group for a kind that has none', async () => {
        await expect(store().list(newId.tenant(), 'tenant', { group: 'x' })).rejects.toBeInstanceOf(ValidationError);
      });

      it('returns an empty page without a cursor for an empty collection', async () => {
        expect(await store().list(newId.tenant(), 'machine')).toEqual({ items: [] });
      });

      it('honours small limits', async () => {
        const tenantId = newId.tenant();
        const entities = [entityRecord(tenantId), entityRecord(tenantId), entityRecord(tenantId)];
        await inBatches(entities, 3, (e) => store().create(tenantId, 'entity', e.id, e));

        const first = await store().list(tenantId, 'entity', { limit: 1 });
        expect(first.items).toHaveLength(1);
        expect(first.nextCursor).toBeDefined();
      });
    });

    describe('cursors', () => {
      /** A tenant with three machines in one entity, and a cursor after the first of them. */
      async function cursorAfterFirst(byGroup = false) {
        const tenantId = newId.tenant();
        const entity = entityRecord(tenantId);
        const machines = [1, 2, 3].map(() => machineRecord(tenantId, entity.id));
        await inBatches(machines, 3, (m) => store().create(tenantId, 'machine', m.id, m));
        await store().create(tenantId, 'entity', entity.id, entity);
        const page = await store().list(tenantId, 'machine', { limit: 1, ...(byGroup ? { group: entity.id } : {}) });
        expect(page.nextCursor).toBeDefined();
        return { tenantId, entity, machines, cursor: page.nextCursor! };
      }

      it('continues the query it was issued for', async () => {
        const { tenantId, cursor, machines } = await cursorAfterFirst();
        const next = await store().list(tenantId, 'machine', { limit: 1, cursor });
        expect(next.items.map((m) => m.id)).toEqual([machines.map((m) => m.id).sort()[1]]);
      });

      it('refuses a cursor from another tenant (a cursor must never page another tenant)', async () => {
        const { cursor } = await cursorAfterFirst();
        const other = newId.tenant();
        const otherEntity = entityRecord(other);
        await store().create(other, 'machine', newId.machine(), machineRecord(other, otherEntity.id));

        await expect(store().list(other, 'machine', { cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('refuses a cursor from another kind', async () => {
        const { tenantId, cursor } = await cursorAfterFirst();
        await expect(store().list(tenantId, 'entity', { cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('refuses a cursor from another group, or from the ungrouped list', async () => {
        const grouped = await cursorAfterFirst(true);
        await expect(
          store().list(grouped.tenantId, 'machine', { cursor: grouped.cursor, group: newId.entity() }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store().list(grouped.tenantId, 'machine', { cursor: grouped.cursor })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );

        const ungrouped = await cursorAfterFirst();
        await expect(
          store().list(ungrouped.tenantId, 'machine', { cursor: ungrouped.cursor, group: ungrouped.entity.id }),
        ).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('refuses garbage', async () => {
        const tenantId = newId.tenant();
        const garbage = [
          'not a cursor',
          'bm90LWpzb24',
          Buffer.from('{"s":1}').toString('base64url'),
          Buffer.from('[]').toString('base64url'),
          'x'.repeat(10_000),
          '%%%',
        ];
        for (const cursor of garbage) {
          await expect(store().list(tenantId, 'machine', { cursor })).rejects.toBeInstanceOf(InvalidCursorError);
        }
      });
    });

    describe('tenant isolation', () => {
      it("hides one tenant's records from another through get, list, replace and delete", async () => {
        const [a, b] = [newId.tenant(), newId.tenant()];
        const entity = entityRecord(a);
        await store().create(a, 'entity', entity.id, entity);

        expect(await store().get(b, 'entity', entity.id)).toBeUndefined();
        expect((await store().list(b, 'entity')).items).toEqual([]);
        expect((await store().list(b, 'entity', { group: 'root' })).items).toEqual([]);
        await expect(
          store().replace(b, 'entity', entity.id, { ...entity, name: 'stolen', version: 2 }, 1),
        ).rejects.toBeInstanceOf(NotFoundError);
        expect(await store().delete(b, 'entity', entity.id)).toBe(false);
        expect(await store().delete(b, 'entity', entity.id, 1)).toBe(false);

        expect(await store().get(a, 'entity', entity.id)).toEqual(entity);
      });

      it('lets two tenants use the same id independently', async () => {
        const [a, b] = [newId.tenant(), newId.tenant()];
        const entityA = entityRecord(a);
        const entityB = { ...entityRecord(b), id: entityA.id };
        await store().create(a, 'entity', entityA.id, entityA);
        await store().create(b, 'entity', entityB.id, entityB);

        expect(await store().get(a, 'entity', entityA.id)).toEqual(entityA);
        expect(await store().get(b, 'entity', entityA.id)).toEqual(entityB);
      });
    });

    describe('unique claims', () => {
      it('claims a value, lets the same owner claim again, and names the owner to anyone else', async () => {
        const tenantId = newId.tenant();
        const [first, second] = [newId.machine(), newId.machine()];

        expect(await store().claimUnique(tenantId, 'mac', '52:54:00:aa:bb:cc', first)).toBeUndefined();
        expect(await store().claimUnique(tenantId, 'mac', '52:54:00:aa:bb:cc', first)).toBeUndefined();
        expect(await store().claimUnique(tenantId, 'mac', '52:54:00:aa:bb:cc', second)).toBe(first);
      });

      it('frees a value only for its owner', async () => {
        const tenantId = newId.tenant();
        const [owner, stranger] = [newId.machine(), newId.machine()];
        await store().claimUnique(tenantId, 'mac', '52:54:00:aa:bb:cd', owner);

        await store().releaseUnique(tenantId, 'mac', '52:54:00:aa:bb:cd', stranger);
        expect(await store().claimUnique(tenantId, 'mac', '52:54:00:aa:bb:cd', stranger)).toBe(owner);

        await store().releaseUnique(tenantId, 'mac', '52:54:00:aa:bb:cd', owner);
        expect(await store().claimUnique(tenantId, 'mac', '52:54:00:aa:bb:cd', stranger)).toBeUndefined();
      });

      it('releasing an unclaimed value does nothing', async () => {
        await expect(
          store().releaseUnique(newId.tenant(), 'mac', '52:54:00:aa:bb:ce', newId.machine()),
        ).resolves.toBeUndefined();
      });

      it('keeps claims per tenant and per name', async () => {
        const [a, b] = [newId.tenant(), newId.tenant()];
        const [ownerA, ownerB] = [newId.machine(), newId.machine()];
        await store().claimUnique(a, 'mac', '52:54:00:aa:bb:cf', ownerA);

        expect(await store().claimUnique(b, 'mac', '52:54:00:aa:bb:cf', ownerB)).toBeUndefined();
        expect(await store().claimUnique(a, 'hostname', '52:54:00:aa:bb:cf', ownerB)).toBeUndefined();
      });

      it('does not show claims in record listings', async () => {
        const tenantId = newId.tenant();
        await store().claimUnique(tenantId, 'machine', 'PC-001', newId.machine());
        expect((await store().list(tenantId, 'machine')).items).toEqual([]);
      });

      it('gives a value to exactly one of several concurrent claimants', async () => {
        const tenantId = newId.tenant();
        const owners = Array.from({ length: 8 }, () => newId.machine());
        const results = await Promise.all(
          owners.map((owner) => store().claimUnique(tenantId, 'mac', '52:54:00:00:00:01', owner)),
        );

        const winners = owners.filter((_, i) => results[i] === undefined);
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r !== undefined).every((r) => r === winners[0])).toBe(true);
      });
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, type CatalogueWorld } from '../support/catalogue-world';

let harness: ApiHarness;
let world: CatalogueWorld;
const as = () => ({ token: harness.tenantA.adminToken, tenant: harness.tenantA.id });

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
});
afterAll(() => harness?.close());

describe('catalogue through the API', () => {
  it('gives every new entity its builtin boot services and a default startup menu', async () => {
    const services = await harness.call('get', `/v1/boot-services?entityId=${world.childEntityId}`, as());
    expect(services.body.items.map((s: { kind: string }) => s.kind).sort()).toEqual(
      ['backup', 'deploy-master', 'diagnostics', 'local-disk', 'register'].sort(),
    );
    const menu = await harness.call('get', `/v1/entities/${world.childEntityId}/startup-menu`, as());
    const localDisk = services.body.items.find((s: { kind: string }) => s.kind === 'local-disk');
    expect(menu.body.classic).toEqual({ defaultItemId: localDisk.id, timeoutSeconds: 10 });
    expect(menu.body.wol.defaultItemId).toBe(localDisk.id);
  });

  it('lists child entities and refuses nesting an entity under its own descendant', async () => {
    const children = await harness.call('get', `/v1/entities?parentId=${world.entityId}`, as());
    expect(children.body.items.map((e: { id: string }) => e.id)).toEqual([world.childEntityId]);
    const roots = await harness.call('get', '/v1/entities?parentId=root', as());
    expect(roots.body.items.map((e: { id: string }) => e.id)).toEqual([world.entityId]);
    const cycle = await harness.call('patch', `/v1/entities/${world.entityId}`, { ...as(), body: { parentId: world.childEntityId } });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toContain('descendants');
  });

  it('computes entity statistics from machines, ready backup images and masters', async () => {
    const stats = await harness.call('get', `/v1/entities/${world.entityId}/statistics`, as());
    expect(stats.body).toEqual({
      entityId: world.entityId,
      clients: 2,
      clientsWithBackupImages: 1,
      backupImages: 1,
      mastersAvailable: 1,
    });
  });

  it('promotes a backup image to a master with a generated label and its own copy of the manifest', async () => {
    const master = (await harness.call('get', `/v1/masters/${world.masterId}`, as())).body;
    expect(master.label).toMatch(/^M-\d{8}-[0-9A-Z]{6}$/);
    expect(master.compressedSizeBytes).toBe(20 << 20);
    expect(master.versions).toHaveLength(1);
    const copy = await harness.deps.archive.get(world.tenantId, master.versions[0].manifestKey);
    const backup = (await harness.call('get', `/v1/backup-images/${world.backupImageId}`, as())).body;
    const original = await harness.deps.archive.get(world.tenantId, backup.manifestKey);
    expect(master.versions[0].manifestKey).not.toBe(backup.manifestKey);
    expect(JSON.parse(Buffer.from(copy!).toString())).toEqual(JSON.parse(Buffer.from(original!).toString()));
    expect(JSON.parse(Buffer.from(copy!).toString())).toMatchObject({ tenantId: world.tenantId, partitions: [] });
  });

  it('refuses a second machine with the same MAC, saying which machine has it', async () => {
    const machine = (await harness.call('get', `/v1/machines/${world.machineId}`, as())).body;
    const again = await harness.call('post', '/v1/machines', {
      ...as(),
      body: { entityId: world.entityId, mac: machine.mac.toUpperCase().replace(/:/g, '-'), hostname: 'other' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('lab-042');
  });

  it('refuses a second imaging server for one entity', async () => {
    const again = await harness.call('post', '/v1/imaging-servers', { ...as(), body: { entityId: world.entityId, name: 'edge-2' } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(world.imagingServerId);
  });

  it('deletes a master only with its label as confirmation, and never while it is in use', async () => {
    const unconfirmed = await harness.call('delete', `/v1/masters/${world.masterId}`, as());
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error.message).toContain(`?confirm=${world.masterLabel}`);

    const inUse = await harness.call('delete', `/v1/masters/${world.masterId}?confirm=${world.masterLabel}`, as());
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toContain(world.deploymentId);

    await harness.call('patch', `/v1/masters/${world.masterId}`, { ...as(), body: { inDefaultStartupMenu: true } });
    await harness.call('post', `/v1/deployments/${world.deploymentId}/cancel`, as());
    const inMenu = await harness.call('delete', `/v1/masters/${world.masterId}?confirm=${world.masterLabel}`, as());
    expect(inMenu.status).toBe(409);
    expect(inMenu.body.error.message).toContain('default startup menu');
    expect(inMenu.body.error.message).not.toContain(world.deploymentId);

    // Default selection of the WOL menu: the master cannot leave the menu until another default is chosen.
    const menu = await harness.call('put', `/v1/entities/${world.entityId}/startup-menu`, {
      ...as(),
      body: { wol: { defaultItemId: world.masterId, timeoutSeconds: 3 } },
    });
    expect(menu.status).toBe(200);
    const leave = await harness.call('patch', `/v1/masters/${world.masterId}`, { ...as(), body: { inDefaultStartupMenu: false } });
    expect(leave.status).toBe(409);
    expect(leave.body.error.message).toContain('WOL');
    await harness.call('put', `/v1/entities/${world.entityId}/startup-menu`, {
      ...as(),
      body: { wol: { defaultItemId: world.builtinBootServiceId, timeoutSeconds: 3 } },
    });
    await harness.call('patch', `/v1/masters/${world.masterId}`, { ...as(), body: { inDefaultStartupMenu: false } });

    const master = (await harness.call('get', `/v1/masters/${world.masterId}`, as())).body;
    const deleted = await harness.call('delete', `/v1/masters/${world.masterId}?confirm=${world.masterLabel}`, as());
    expect(deleted.status).toBe(204);
    expect((await harness.call('get', `/v1/masters/${world.masterId}`, as())).status).toBe(404);
    expect(await harness.deps.archive.get(world.tenantId, master.versions[0].manifestKey)).toBeUndefined();
  });

  it('moves deployment tasks only along legal transitions and derives the deployment state', async () => {
    const backup = await harness.call('post', '/v1/backup-images', {
      ...as(),
      body: { machineId: world.secondMachineId, state: 'ready', sizeBytes: 1, compressedSizeBytes: 1 },
    });
    const master = await harness.call('post', `/v1/backup-images/${backup.body.id}/promote`, as());
    expect(master.status).toBe(201);
    const deployment = await harness.call('post', '/v1/deployments', {
      ...as(),
      body: { masterId: master.body.id, machineIds: [world.secondMachineId], wakeOnLan: true },
    });
    expect(deployment.body.state).toBe('scheduled');
    const task = `/v1/deployments/${deployment.body.id}/tasks/${world.secondMachineId}`;
    const skip = await harness.call('patch', task, { ...as(), body: { state: 'imaging' } });
    expect(skip.status).toBe(409);
    for (const state of ['waiting-for-boot', 'imaging']) {
      expect((await harness.call('patch', task, { ...as(), body: { state } })).status).toBe(200);
    }
    const progress = { phase: 'restore', bytesDone: 10, bytesTotal: 100, rateBytesPerSecond: 5e6 };
    expect((await harness.call('patch', task, { ...as(), body: { state: 'imaging', progress } })).body.progress).toEqual(progress);
    expect((await harness.call('get', `/v1/deployments/${deployment.body.id}`, as())).body.state).toBe('running');
    const busy = await harness.call('post', '/v1/deployments', {
      ...as(),
      body: { masterId: master.body.id, machineIds: [world.secondMachineId] },
    });
    expect(busy.status).toBe(409);
    expect((await harness.call('delete', `/v1/deployments/${deployment.body.id}`, as())).status).toBe(409);
    expect((await harness.call('patch', task, { ...as(), body: { state: 'done' } })).status).toBe(200);
    expect((await harness.call('patch', task, { ...as(), body: { state: 'imaging' } })).status).toBe(409);
    expect((await harness.call('get', `/v1/deployments/${deployment.body.id}`, as())).body.state).toBe('finished');
    const tasks = await harness.call('get', `/v1/deployments/${deployment.body.id}/tasks`, as());
    expect(tasks.body.items).toHaveLength(1);
    expect((await harness.call('delete', `/v1/deployments/${deployment.body.id}`, as())).status).toBe(204);
  });

  it('keeps builtin boot services and refuses to disable the default selection', async () => {
    const menu = (await harness.call('get', `/v1/entities/${world.childEntityId}/startup-menu`, as())).body;
    const disable = await harness.call('patch', `/v1/boot-services/${menu.classic.defaultItemId}`, { ...as(), body: { enabled: false } });
    expect(disable.status).toBe(409);
    expect(disable.body.error.message).toContain('classic');
    const remove = await harness.call('delete', `/v1/boot-services/${world.builtinBootServiceId}`, as());
    expect(remove.status).toBe(409);
    expect(remove.body.error.message).toContain('disable it instead');
    const custom = await harness.call('patch', `/v1/boot-services/${world.bootServiceId}`, { ...as(), body: { enabled: false, order: 5 } });
    expect(custom.body).toMatchObject({ enabled: false, order: 5, version: 2 });
    expect((await harness.call('delete', `/v1/boot-services/${world.bootServiceId}`, as())).status).toBe(204);
  });

  it('refuses to delete an entity that still has things, saying what', async () => {
    const answer = await harness.call('delete', `/v1/entities/${world.entityId}`, as());
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toMatch(/child entities.*imaging server.*machine/);
    expect((await harness.call('delete', `/v1/entities/${world.childEntityId}`, as())).status).toBe(204);
    expect((await harness.call('get', `/v1/boot-services?entityId=${world.childEntityId}`, as())).body.items).toEqual([]);
  });

  it('pages long lists with an opaque cursor', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      made.push((await harness.call('post', '/v1/post-imaging-scripts', { ...as(), body: { name: `s${i}`, lines: ['MountSystem'] } })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await harness.call('get', `/v1/post-imaging-scripts?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, as());
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((s: { id: string }) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(made));
    expect(new Set(seen).size).toBe(seen.length);
  });
});

import { createHash } from 'node:crypto';
import {
  SNAPSHOT_SCHEMA_VERSION,
  type ArmedTask,
  type CatalogueSnapshot,
  type Entity,
  type SnapshotEntity,
} from '@marrow/shared';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';
import { ensureEntityDefaults } from './entity-defaults';
import type { AppDeps } from '../app/deps';
import { listTasks } from './deployments';
import { getOrNotFound } from './records';

/**
 * The entities an imaging server answers PXE for: its own, and below it every entity that
 * has no imaging server of its own (a branch without an appliance boots from its parent's).
 */
export function servedEntities(all: readonly Entity[], homeId: string): Entity[] {
  const home = all.find((e) => e.id === homeId);
  if (!home) return [];
  const served = [home];
  for (let i = 0; i < served.length; i++) {
    for (const child of all.filter((e) => e.parentId === served[i]!.id)) {
      if (!child.imagingServerId) served.push(child);
    }
  }
  return served;
}

/** The entities served by an imaging server whose own entity is `homeId`, read from the catalogue. */
export async function listServedEntities(store: CatalogueStore, tenantId: string, homeId: string): Promise<Entity[]> {
  return servedEntities(await listAll(store, tenantId, 'entity'), homeId);
}

/** Builds the catalogue snapshot an imaging server serves PXE from (see shared/src/boot/catalogue-snapshot.ts). */
export async function buildSnapshot(
  deps: Pick<AppDeps, 'store' | 'clock' | 'newId'>,
  tenantId: string,
  imagingServerId: string,
): Promise<CatalogueSnapshot> {
  const { store } = deps;
  const now = deps.clock();
  const server = await getOrNotFound(store, tenantId, 'imagingServer', imagingServerId);
  const entities = await listServedEntities(store, tenantId, server.entityId);
  const snapshotEntities: SnapshotEntity[] = [];
  const machines: CatalogueSnapshot['machines'] = [];
  const armedTasks: ArmedTask[] = [];
  const scripts = scriptLinesReader(store, tenantId);
  for (const entity of entities) {
    snapshotEntities.push(await snapshotEntity(deps, tenantId, entity, now, scripts));
    const entityMachines = await listAll(store, tenantId, 'machine', { group: entity.id });
    machines.push(...entityMachines.map((m) => ({ id: m.id, entityId: m.entityId, mac: m.mac, hostname: m.hostname })));
    armedTasks.push(...(await armedTasksOf(store, tenantId, entity.id, entityMachines, now, scripts)));
  }
  const content = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tenantId,
    imagingServerId,
    entities: snapshotEntities,
    machines: machines.sort((a, b) => a.id.localeCompare(b.id)),
    armedTasks,
  } as const;
  return { ...content, version: digest(content), generatedAt: now.toISOString() };
}

/** The lines of post-imaging scripts, in the order given; a script that no longer exists is skipped. Each script is read once per snapshot. */
type ScriptLines = (scriptIds: readonly string[]) => Promise<string[]>;

function scriptLinesReader(store: CatalogueStore, tenantId: string): ScriptLines {
  const read = new Map<string, Promise<string[]>>();
  return async (scriptIds) => {
    const lines: string[] = [];
    for (const id of scriptIds) {
      if (!read.has(id)) read.set(id, store.get(tenantId, 'postImagingScript', id).then((script) => script?.lines ?? []));
      lines.push(...(await read.get(id)!));
    }
    return lines;
  };
}

async function snapshotEntity(
  deps: Pick<AppDeps, 'store' | 'clock' | 'newId'>,
  tenantId: string,
  entity: Entity,
  now: Date,
  scriptLines: ScriptLines,
): Promise<SnapshotEntity> {
  const { store } = deps;
  let menu = await store.get(tenantId, 'startupMenu', entity.id);
  if (!menu) {
    await ensureEntityDefaults(store, tenantId, entity.id, now, deps.newId);
    menu = await getOrNotFound(store, tenantId, 'startupMenu', entity.id);
  }
  const [services, masters] = await Promise.all([
    listAll(store, tenantId, 'bootService', { group: entity.id }),
    listAll(store, tenantId, 'master', { group: entity.id }),
  ]);
  const snapshotMasters: SnapshotEntity['masters'] = [];
  for (const m of masters) {
    snapshotMasters.push({
      id: m.id,
      label: m.label,
      description: m.description,
      inDefaultStartupMenu: m.inDefaultStartupMenu,
      version: m.versions.at(-1)?.number ?? 0,
      postImagingScript: await scriptLines(m.postImagingScriptIds),
    });
  }
  return {
    id: entity.id,
    name: entity.name,
    bootServices: services.map((s) => ({ id: s.id, kind: s.kind, label: s.label, enabled: s.enabled, order: s.order, ipxeScript: s.ipxeScript })),
    startupMenu: { classic: menu.classic, wol: menu.wol },
    masters: snapshotMasters,
  };
}

/**
 * Tasks waiting for their machine to boot: of deployments that are due, and backup requests
 * (a machine never has both: each refuses the other at creation).
 */
async function armedTasksOf(
  store: CatalogueStore,
  tenantId: string,
  entityId: string,
  machines: readonly { id: string; mac: string }[],
  now: Date,
  scriptLinesOf: ScriptLines,
): Promise<ArmedTask[]> {
  const armed: ArmedTask[] = [];
  const deployments = (await listAll(store, tenantId, 'deployment', { group: entityId })).filter(
    (d) => (d.state === 'scheduled' || d.state === 'running') && (!d.scheduledAt || d.scheduledAt <= now.toISOString()),
  );
  for (const deployment of deployments) {
    const scriptLines = await scriptLinesOf(deployment.postImagingScriptIds);
    for (const task of await listTasks(store, tenantId, deployment.id)) {
      if (task.state !== 'pending' && task.state !== 'waiting-for-boot') continue;
      const machine = machines.find((m) => m.id === task.machineId);
      if (!machine) continue;
      armed.push({
        kind: 'deploy',
        machineId: machine.id,
        mac: machine.mac,
        deploymentId: deployment.id,
        masterId: deployment.masterId,
        wakeOnLan: deployment.wakeOnLan,
        postImagingScript: scriptLines,
        ...(deployment.mode === 'multicast' ? { multicast: { machines: deployment.machineIds.length } } : {}),
      });
    }
  }
  const requests = await listAll(store, tenantId, 'backupRequest', { group: entityId });
  for (const request of requests) {
    if (request.state !== 'pending' && request.state !== 'waiting-for-boot') continue;
    const machine = machines.find((m) => m.id === request.machineId);
    if (!machine || armed.some((t) => t.machineId === machine.id)) continue;
    armed.push({
      kind: 'backup',
      machineId: machine.id,
      mac: machine.mac,
      deploymentId: null,
      masterId: null,
      wakeOnLan: request.wakeOnLan,
      backupRequestId: request.id,
    });
  }
  return armed;
}

/** A stable digest of the content: key order is fixed by construction, arrays are sorted by id. */
function digest(content: object): string {
  return `s1-${createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22)}`;
}

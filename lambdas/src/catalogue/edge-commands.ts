import { ulid } from 'ulid';
import { CONTRACT_VERSION, type Command } from '@marrow/shared';
import type { AppDeps } from '../app/deps';
import { listAll } from '../ports/catalogue-store';
import { newMeta } from './records';

/** A command without its envelope (id, version, time), as callers write it. */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'v' | 'id' | 'sentAt'> : never) : never;

function envelope(body: CommandBody, now: Date): Command {
  return { ...body, v: CONTRACT_VERSION, id: `cmd_${ulid()}`, sentAt: now.toISOString() } as Command;
}

/**
 * Sends a command that must be carried out: it is stored first (the edge pulls pending ones
 * when it reconnects, however long it was away), then published. A failed publish is only
 * logged: the stored command still reaches the edge.
 */
export async function sendCommand(deps: AppDeps, tenantId: string, imagingServerId: string, body: CommandBody): Promise<Command> {
  const now = deps.clock();
  const command = envelope(body, now);
  await deps.store.create(tenantId, 'edgeCommand', command.id, {
    ...newMeta(tenantId, now),
    imagingServerId,
    command,
    state: 'pending',
    ackMessage: null,
  });
  await publish(deps, tenantId, imagingServerId, command);
  return command;
}

/** The imaging server that serves an entity: its own, or the nearest ancestor's. */
export async function servingImagingServer(deps: AppDeps, tenantId: string, entityId: string): Promise<string | undefined> {
  const entities = await listAll(deps.store, tenantId, 'entity');
  for (let entity = entities.find((e) => e.id === entityId); entity; entity = entities.find((e) => e.id === entity!.parentId)) {
    if (entity.imagingServerId) return entity.imagingServerId;
  }
  return undefined;
}

/**
 * Sends commands, in order, to the imaging server that serves an entity (see sendCommand);
 * nothing when no imaging server serves it (its site syncs when it has one).
 */
export async function sendToServingImagingServer(deps: AppDeps, tenantId: string, entityId: string, ...bodies: CommandBody[]): Promise<void> {
  const serverId = await servingImagingServer(deps, tenantId, entityId);
  if (!serverId) return;
  for (const body of bodies) await sendCommand(deps, tenantId, serverId, body);
}

/**
 * Tells every imaging server of a tenant that its catalogue may have changed. A notice, not
 * a command: it is not stored, since edges also poll, and the pull is a cheap 304 when
 * nothing changed for them.
 */
export async function noticeCatalogueChanged(deps: AppDeps, tenantId: string): Promise<void> {
  if (!deps.edgeCommands) return;
  const servers = await listAll(deps.store, tenantId, 'imagingServer');
  const now = deps.clock();
  await Promise.all(
    servers.filter((s) => !s.revokedAt).map((s) => publish(deps, tenantId, s.id, envelope({ type: 'catalogue-changed' }, now))),
  );
}

async function publish(deps: AppDeps, tenantId: string, imagingServerId: string, command: Command): Promise<void> {
  if (!deps.edgeCommands) return;
  try {
    await deps.edgeCommands.publish(tenantId, imagingServerId, command);
  } catch (error) {
    console.warn(JSON.stringify({ level: 'warn', message: 'could not publish a command', imagingServerId, type: command.type, error: String(error) }));
  }
}

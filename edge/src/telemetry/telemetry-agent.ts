import { ulid } from 'ulid';
import { CONTRACT_VERSION, commandSchema, edgeTopic, type Command, type EdgeEvent } from '@marrow/shared';
import type { EdgeIdentity } from '../catalogue/credential-store';
import { collectHealth, type HealthSources } from './health-collector';
import { MqttLink, type LinkLog } from './mqtt-link';
import type { Outbox } from './outbox';

export type CommandResult = { result: 'done' | 'failed'; message?: string };
export type CommandExecutor = (command: Command) => Promise<CommandResult>;

export interface TelemetryOptions {
  identity: EdgeIdentity & { mqtt: NonNullable<EdgeIdentity['mqtt']> };
  outbox: Outbox;
  health: Omit<HealthSources, 'imagingServerId'>;
  execute: CommandExecutor;
  log: LinkLog;
  /** Pending commands stored by the control plane (GET /v1/edge/commands), pulled at each (re)connection. */
  pullPendingCommands?: () => Promise<unknown[]>;
}

type EventBody = EdgeEvent extends infer E ? (E extends EdgeEvent ? Omit<E, 'v' | 'id' | 'sentAt' | 'seq'> : never) : never;

/**
 * The edge's side of the cloud link: a health report every interval, events through the
 * durable outbox, commands executed once each and acknowledged.
 */
export class TelemetryAgent {
  private readonly link: MqttLink;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private stopped = false;
  /** Commands being executed now (a command arrives twice on reconnection: MQTT redelivery and the pull). */
  private readonly running = new Set<string>();

  constructor(private readonly options: TelemetryOptions) {
    this.link = new MqttLink(options.identity, (payload) => void this.receive(payload), options.log);
    this.link.onConnected(() => {
      void this.drain();
      void this.reportHealth();
      void this.pullCommands();
    });
  }

  get connected(): boolean {
    return this.link.connected;
  }

  start(): void {
    this.link.start();
    this.timer = setInterval(() => void this.reportHealth(), this.options.health.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining?.catch(() => undefined);
    await this.link.stop();
  }

  /** Queues an event durably (it survives restarts), then tries to deliver. */
  recordEvent(body: EventBody): EdgeEvent {
    const { tenantId, imagingServerId } = this.options.identity;
    const event = {
      ...body,
      v: CONTRACT_VERSION,
      id: `ev_${ulid()}`,
      sentAt: new Date().toISOString(),
      ...(body.type === 'task-progress' ? { seq: this.options.outbox.taskSequence(body.deploymentId, body.machineId) } : {}),
      ...(body.type === 'backup-request-progress' ? { seq: this.options.outbox.taskSequence(body.backupRequestId, body.machineId) } : {}),
    } as EdgeEvent;
    this.options.outbox.enqueue(edgeTopic(tenantId, imagingServerId, 'events'), event);
    void this.drain();
    return event;
  }

  /** Publishes a health report now, if connected (a missed one is superseded by the next). */
  async reportHealth(): Promise<void> {
    if (!this.link.connected || this.stopped) return;
    const { tenantId, imagingServerId } = this.options.identity;
    const report = await collectHealth({ ...this.options.health, imagingServerId });
    const message = { v: CONTRACT_VERSION, id: report.id, sentAt: report.sentAt, type: 'health', report };
    await this.link.publish(edgeTopic(tenantId, imagingServerId, 'health'), JSON.stringify(message)).catch(() => undefined);
  }

  /** Delivers the outbox in order, one message at a time, each removed only after its PUBACK. */
  drain(): Promise<void> {
    if (!this.draining) {
      const run = this.deliverQueued();
      // Cleared only after the run is stored: a run that finds nothing to do ends synchronously.
      this.draining = run.finally(() => {
        if (this.draining === guarded) this.draining = undefined;
      });
      const guarded = this.draining;
    }
    return this.draining;
  }

  private async deliverQueued(): Promise<void> {
    await Promise.resolve();
    try {
      while (this.link.connected) {
        const [entry] = this.options.outbox.peek(1);
        if (!entry) break;
        await this.link.publish(entry.topic, entry.payload);
        this.options.outbox.delivered(entry.seq);
      }
    } catch {
      // Disconnected mid-way: the entry stays queued and the next connection resumes here.
    }
  }

  private async receive(payload: Buffer): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.options.log.warn('ignored a command that is not JSON');
      return;
    }
    await this.handle(json);
  }

  private async handle(json: unknown): Promise<void> {
    const parsed = commandSchema.safeParse(json);
    if (!parsed.success) {
      this.options.log.warn(`ignored a command this edge does not understand: ${JSON.stringify(json).slice(0, 200)}`);
      return;
    }
    const command = parsed.data;
    // Notices are not acknowledged: they are cheap to repeat and never stored by the cloud.
    if (command.type === 'catalogue-changed') {
      await this.options.execute(command).catch(() => undefined);
      return;
    }
    // Still running: its own acknowledgement follows. Acknowledging the copy now would tell the
    // cloud it is done, and a crash before the end would leave it never resumed.
    if (this.running.has(command.id)) return;
    if (!this.options.outbox.firstExecution(command.id, command.type)) {
      this.acknowledge(command.id, { result: 'done', message: 'already executed' }, 'duplicate');
      return;
    }
    let outcome: CommandResult;
    this.running.add(command.id);
    try {
      outcome = await this.options.execute(command);
    } catch (error) {
      outcome = { result: 'failed', message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.running.delete(command.id);
    }
    this.options.outbox.finishCommand(command.id, outcome.result);
    this.acknowledge(command.id, outcome);
  }

  private acknowledge(commandId: string, outcome: CommandResult, as?: 'duplicate'): void {
    const { tenantId, imagingServerId } = this.options.identity;
    const ack = {
      v: CONTRACT_VERSION,
      id: `ack_${ulid()}`,
      sentAt: new Date().toISOString(),
      type: 'ack',
      commandId,
      result: as ?? outcome.result,
      ...(outcome.message ? { message: outcome.message } : {}),
    };
    this.options.outbox.enqueue(edgeTopic(tenantId, imagingServerId, 'acks'), ack);
    void this.drain();
  }

  private async pullCommands(): Promise<void> {
    if (!this.options.pullPendingCommands) return;
    try {
      for (const command of await this.options.pullPendingCommands()) await this.handle(command);
    } catch (error) {
      this.options.log.warn(`could not pull pending commands: ${(error as Error).message}`);
    }
  }
}

import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { CONTRACT_VERSION, edgeTopic } from '@marrow/shared';
import type { EdgeIdentity } from '../catalogue/credential-store';

export interface LinkLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Reconnect delays: 1 s doubling to 60 s, each with ±30 % jitter so a site outage does not end in a thundering herd. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.7 + 0.6 * random()));
}

/**
 * The edge's MQTT connection: MQTT 3.1.1 (IoT Core and aedes both speak it), a persistent
 * session (clean: false) so commands queued while the edge was away are delivered when it
 * returns, QoS 1 both ways, and a retained last will saying "offline".
 */
export class MqttLink {
  private client: MqttClient | undefined;
  private attempts = 0;
  private readonly connectedListeners: (() => void)[] = [];

  constructor(
    private readonly identity: EdgeIdentity & { mqtt: NonNullable<EdgeIdentity['mqtt']> },
    private readonly onCommand: (payload: Buffer) => void,
    private readonly log: LinkLog,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  onConnected(listener: () => void): void {
    this.connectedListeners.push(listener);
  }

  start(): void {
    const { mqtt: m, tenantId, imagingServerId } = this.identity;
    const presence = (state: 'online' | 'offline') =>
      JSON.stringify({ v: CONTRACT_VERSION, id: `pr_${ulid()}`, sentAt: new Date().toISOString(), type: 'presence', state, imagingServerId });
    const client = mqtt.connect(m.url, {
      protocolVersion: 4,
      clientId: m.clientId,
      clean: false,
      keepalive: 30,
      connectTimeout: 15_000,
      reconnectPeriod: reconnectDelay(0),
      ...(m.username ? { username: m.username } : {}),
      ...(m.password ? { password: m.password } : {}),
      ...(m.certificatePem ? { cert: m.certificatePem } : {}),
      ...(m.privateKey ? { key: m.privateKey } : {}),
      will: { topic: edgeTopic(tenantId, imagingServerId, 'presence'), payload: Buffer.from(presence('offline')), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.attempts = 0;
      client.options.reconnectPeriod = reconnectDelay(0);
      this.log.info(`MQTT connected to ${m.url}`);
      void client.publishAsync(edgeTopic(tenantId, imagingServerId, 'presence'), presence('online'), { qos: 1, retain: true }).catch(() => undefined);
      client.subscribe(edgeTopic(tenantId, imagingServerId, 'commands'), { qos: 1 }, (error, granted) => {
        if (error || granted?.some((g) => g.qos === 128)) this.log.warn('the broker refused our commands subscription');
      });
      for (const listener of this.connectedListeners) listener();
    });
    client.on('close', () => {
      client.options.reconnectPeriod = reconnectDelay(++this.attempts);
    });
    client.on('error', (error) => this.log.warn(`MQTT: ${error.message}`));
    client.on('message', (_topic, payload) => this.onCommand(payload));
  }

  /** Publishes with QoS 1; resolves on the broker's PUBACK. */
  async publish(topic: string, payload: string): Promise<void> {
    if (!this.client?.connected) throw new Error('not connected');
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  /** A graceful stop: say "offline" ourselves (a clean disconnect sends no last will). */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      const { tenantId, imagingServerId } = this.identity;
      const payload = JSON.stringify({ v: CONTRACT_VERSION, id: `pr_${ulid()}`, sentAt: new Date().toISOString(), type: 'presence', state: 'offline', imagingServerId });
      await client.publishAsync(edgeTopic(tenantId, imagingServerId, 'presence'), payload, { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync();
  }
}

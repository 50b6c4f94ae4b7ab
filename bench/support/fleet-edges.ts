import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { CONTRACT_VERSION, edgeTopic, healthMessageSchema, type HealthReport } from '@marrow/shared';
import type { EnrolledEdge } from './fleet-protocol';

/**
 * What the fleet benchmark expects of each simulated site at the end:
 * - healthy: reports every interval, everything fine → Available;
 * - cut-off: reports, but cannot reach the control plane's API → Connection error;
 * - killed: its connection is reset halfway (no DISCONNECT) → the broker publishes its last
 *   will → Offline.
 */
export type EdgeRole = 'healthy' | 'cut-off' | 'killed';
export const expectedStatus = { healthy: 'available', 'cut-off': 'connection-error', killed: 'offline' } as const;

/**
 * One simulated edge: an mqtt.js client with the options of the edge's MqttLink
 * (edge/src/telemetry/mqtt-link.ts: MQTT 3.1.1, persistent session, keepalive 30 s, a
 * retained "offline" last will, "online" on connect, its commands subscribed with QoS 1),
 * publishing health messages of the contract with QoS 1 every interval, with jitter.
 */
export class SimulatedEdge {
  /** Ids of the health messages the broker acknowledged (PUBACK). */
  readonly published: string[] = [];
  publishFailures = 0;
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reporting = false;
  private sent = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly site: EnrolledEdge,
    readonly role: EdgeRole,
    private readonly url: string,
    private readonly intervalSeconds: number,
  ) {}

  private topic(channel: 'health' | 'presence' | 'commands'): string {
    return edgeTopic(this.site.tenantId, this.site.imagingServerId, channel);
  }

  private presence(state: 'online' | 'offline'): string {
    return JSON.stringify({ v: CONTRACT_VERSION, id: `pr_${ulid()}`, sentAt: new Date().toISOString(), type: 'presence', state, imagingServerId: this.site.imagingServerId });
  }

  /** Resolves on the first CONNACK; later reconnections happen by themselves. */
  connect(timeoutMs = 30_000): Promise<void> {
    const { imagingServerId, credential } = this.site;
    const client = mqtt.connect(this.url, {
      protocolVersion: 4,
      clientId: imagingServerId,
      username: imagingServerId,
      password: credential,
      clean: false,
      keepalive: 30,
      connectTimeout: 15_000,
      reconnectPeriod: 1000,
      will: { topic: this.topic('presence'), payload: Buffer.from(this.presence('offline')), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      void client.publishAsync(this.topic('presence'), this.presence('online'), { qos: 1, retain: true }).catch(() => undefined);
      client.subscribe(this.topic('commands'), { qos: 1 });
    });
    client.on('error', () => undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${imagingServerId} did not connect within ${timeoutMs} ms`)), timeoutMs);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The first report at a random point of the first interval (edges do not start in step), then every interval ±10 %. */
  startReporting(): void {
    this.reporting = true;
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        if (!this.reporting) return;
        this.report();
        schedule(this.intervalSeconds * 1000 * (0.9 + 0.2 * Math.random()));
      }, delayMs);
    };
    schedule(this.intervalSeconds * 1000 * Math.random());
  }

  stopReporting(): void {
    this.reporting = false;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Resets the TCP connection (RST, no DISCONNECT) and stays away: the broker must publish the last will. */
  kill(): void {
    this.stopReporting();
    const client = this.client!;
    client.options.reconnectPeriod = 0;
    (client.stream as Socket).resetAndDestroy();
  }

  /** Waits for the PUBACKs still outstanding (at most timeoutMs). */
  async settle(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  }

  async close(): Promise<void> {
    this.stopReporting();
    await this.client?.endAsync(true).catch(() => undefined);
  }

  private report(): void {
    const client = this.client!;
    if (!client.connected) return;
    // The envelope the edge's TelemetryAgent.reportHealth() puts around its report.
    const report = this.healthReport();
    const health = { v: CONTRACT_VERSION, id: report.id, sentAt: report.sentAt, type: 'health', report };
    if (this.sent++ === 0) healthMessageSchema.parse(health); // the contract, checked once per edge
    const delivery = client.publishAsync(this.topic('health'), JSON.stringify(health), { qos: 1 }).then(
      () => {
        this.published.push(health.id);
      },
      () => {
        this.publishFailures++;
      },
    );
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /** A report like the real collector's (edge/src/telemetry/health-collector.ts), about 600 bytes of JSON. */
  private healthReport(): HealthReport {
    const cutOff = this.role === 'cut-off';
    return {
      id: `hr_${ulid()}`,
      sentAt: new Date().toISOString(),
      imagingServerId: this.site.imagingServerId,
      softwareVersion: '0.1.0',
      intervalSeconds: this.intervalSeconds,
      partitions: [
        { device: '/dev/vda1', mountPoint: '/', totalBytes: 32_212_254_720, freeBytes: 20_401_094_656 },
        { device: '/dev/vdb1', mountPoint: '/var/lib/marrow', totalBytes: 1_099_511_627_776, freeBytes: 824_633_720_832 },
      ],
      load: { uptimeSeconds: 86_400 + this.sent * this.intervalSeconds, loadAverage: [0.12, 0.2, 0.18], memoryUsedBytes: 1_288_490_188, memoryTotalBytes: 8_589_934_592 },
      services: { proxyDhcp: 'running', tftp: 'running', http: 'running' },
      cache: { usedBytes: 274_877_906_944, quotaBytes: 549_755_813_888 },
      controlPlaneReachable: !cutOff,
      s3Reachable: true,
      lastError: cutOff ? 'GET https://api.example.invalid/v1/edge/snapshot: connect ETIMEDOUT' : null,
    };
  }
}

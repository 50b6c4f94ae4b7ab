import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTRACT_VERSION,
  commandAckSchema,
  commandSchema,
  edgeEventSchema,
  edgeTopic,
  healthMessageSchema,
  presenceMessageSchema,
  type Command,
} from '@marrow/shared';
import { edgeIdentitySchema, type EdgeIdentity } from '../../edge/src/catalogue/credential-store';
import { Outbox } from '../../edge/src/telemetry/outbox';
import { TelemetryAgent } from '../../edge/src/telemetry/telemetry-agent';
import { freePort, waitFor } from '../support/free-port';
import { mosquittoPath, startMosquitto, type RunningMosquitto } from './support/mosquitto-broker';
import { startTcpRelay, type TcpRelay } from './support/mosquitto-relay';

/**
 * The edge's telemetry link against Debian's mosquitto instead of aedes: presence with a
 * retained "online" and a last will, health reports, events from the outbox, commands with
 * QoS 1 executed once and acknowledged. Plain MQTT 3.1.1 with no help from our broker. The
 * edge reaches mosquitto through a TCP relay so the test can cut its connection abruptly.
 */
const binary = mosquittoPath();
const skipReason = binary ? undefined : 'mosquitto is not installed (run test/e2e/install-packages.sh)';
if (skipReason) console.warn(`mosquitto: skipped — ${skipReason}`);

const id = (prefix: string) => `${prefix}_${ulid()}`;

interface Seen {
  topic: string;
  json: Record<string, unknown>;
  retain: boolean;
}

/** Every message on marrow/#, as an MQTT 3.1.1 subscriber sees it. */
class Observer {
  readonly seen: Seen[] = [];
  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => this.seen.push({ topic, json: JSON.parse(payload.toString()), retain: packet.retain }));
  }

  static async connect(url: string, clientId: string, topic = 'marrow/#'): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId, clean: true, reconnectPeriod: 0 });
    const observer = new Observer(client);
    await client.subscribeAsync(topic, { qos: 1 });
    return observer;
  }

  on(topic: string, where: (json: Record<string, unknown>) => boolean = () => true): Seen[] {
    return this.seen.filter((m) => m.topic === topic && where(m.json));
  }

  next(what: string, topic: string, where?: (json: Record<string, unknown>) => boolean, timeoutMs = 5_000): Promise<Seen> {
    return waitFor(what, async () => this.on(topic, where)[0], timeoutMs, 20);
  }
}

describe.skipIf(skipReason !== undefined)(`the edge over MQTT 3.1.1 to mosquitto${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let dir: string;
  let broker: RunningMosquitto;
  let relay: TcpRelay;
  let outbox: Outbox;
  let agent: TelemetryAgent;
  let observer: Observer;
  const executed: Command[] = [];
  const identity: EdgeIdentity = edgeIdentitySchema.parse({
    controlPlaneUrl: 'http://127.0.0.1:9',
    credential: `mse1.${ulid()}`,
    tenantId: id('tn'),
    imagingServerId: id('is'),
    entityId: id('en'),
    name: 'edge-mosquitto',
    enrolledAt: new Date().toISOString(),
  });
  const topic = (channel: Parameters<typeof edgeTopic>[2]) => edgeTopic(identity.tenantId, identity.imagingServerId, channel);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marrow-mosquitto-'));
    broker = await startMosquitto(binary!, dir, await freePort());
    relay = await startTcpRelay(broker.port);
    observer = await Observer.connect(broker.url, 'marrow-test-observer');
    outbox = new Outbox(join(dir, 'edge', 'outbox.sqlite'));
    agent = new TelemetryAgent({
      // No username or password: mosquitto here takes anonymous clients.
      identity: { ...identity, mqtt: { url: `mqtt://127.0.0.1:${relay.port}`, clientId: identity.imagingServerId } },
      outbox,
      health: {
        softwareVersion: 'test',
        intervalSeconds: 1,
        services: () => ({ proxyDhcp: 'disabled', tftp: 'running', http: 'running' }),
        controlPlane: () => ({ reachable: true, lastError: null }),
      },
      execute: async (command) => {
        executed.push(command);
        return { result: 'done' };
      },
      log: { info: () => undefined, warn: () => undefined },
    });
    agent.start();
  });

  afterAll(async () => {
    if (process.env.MARROW_TEST_VERBOSE && broker) console.log(broker.log());
    await agent?.stop().catch(() => undefined);
    outbox?.close();
    observer?.client.end(true);
    await relay?.close();
    await broker?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('connects with MQTT 3.1.1 and a persistent session, and leaves a retained "online" presence', async () => {
    // The health report follows the "online" presence on the same connection, so once it is
    // here mosquitto holds the retained presence: a late subscriber gets it with RETAIN set.
    await observer.next('a health report', topic('health'));
    const late = await Observer.connect(broker.url, 'marrow-test-late', topic('presence'));
    try {
      const presence = await late.next('the retained presence', topic('presence'));
      expect(presence.retain).toBe(true);
      expect(presenceMessageSchema.parse(presence.json)).toMatchObject({ state: 'online', imagingServerId: identity.imagingServerId, v: CONTRACT_VERSION });
    } finally {
      late.client.end(true);
    }
    // mosquitto's own account of the connection: protocol level 4 ("p2" = MQTT 3.1.1), clean session off.
    expect(broker.log()).toMatch(new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as ${identity.imagingServerId} \\(p2, c0, k30\\)`));
  });

  it('publishes health reports that match the contract', async () => {
    const health = await observer.next('a health report', topic('health'));
    const message = healthMessageSchema.parse(health.json);
    expect(message.report).toMatchObject({
      imagingServerId: identity.imagingServerId,
      intervalSeconds: 1,
      controlPlaneReachable: true,
      services: { proxyDhcp: 'disabled', tftp: 'running', http: 'running' },
    });
    expect(message.id).toBe(message.report.id);
    // One a second.
    const before = observer.on(topic('health')).length;
    await waitFor('another report', async () => (observer.on(topic('health')).length > before ? true : undefined), 3_000, 50);
  });

  it('delivers a recorded event from the outbox exactly once', async () => {
    const event = agent.recordEvent({ type: 'task-progress', deploymentId: id('dp'), machineId: id('mc'), state: 'waiting-for-boot' });
    const seen = await observer.next('the event', topic('events'), (json) => json.id === event.id);
    expect(edgeEventSchema.parse(seen.json)).toMatchObject({ type: 'task-progress', seq: 0, state: 'waiting-for-boot' });
    await waitFor('the outbox to empty', async () => (outbox.size === 0 ? true : undefined), 3_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(observer.on(topic('events'), (json) => json.id === event.id)).toHaveLength(1);
  });

  it('executes a QoS 1 command once and acknowledges it; the same id again is acknowledged as a duplicate', async () => {
    const command = commandSchema.parse({ v: CONTRACT_VERSION, id: id('cmd'), sentAt: new Date().toISOString(), type: 'arm-deployment', deploymentId: id('dp') });
    await observer.client.publishAsync(topic('commands'), JSON.stringify(command), { qos: 1 });
    const ack = await observer.next('the ack', topic('acks'), (json) => json.commandId === command.id);
    expect(commandAckSchema.parse(ack.json)).toMatchObject({ type: 'ack', commandId: command.id, result: 'done' });
    expect(executed.map((c) => c.id)).toEqual([command.id]);

    await observer.client.publishAsync(topic('commands'), JSON.stringify(command), { qos: 1 });
    const again = await observer.next('the second ack', topic('acks'), (json) => json.commandId === command.id && json.result === 'duplicate');
    expect(commandAckSchema.parse(again.json)).toMatchObject({ commandId: command.id, result: 'duplicate' });
    expect(executed.map((c) => c.id)).toEqual([command.id]);
    expect(observer.on(topic('acks'), (json) => json.commandId === command.id)).toHaveLength(2);
  });

  it('has its last will "offline" published by mosquitto when the connection is cut, and comes back online', async () => {
    const onlineBefore = observer.on(topic('presence'), (json) => json.state === 'online').length;
    const connectionsBefore = relay.accepted;
    relay.cut();
    const will = await observer.next('the last will', topic('presence'), (json) => json.state === 'offline');
    expect(presenceMessageSchema.parse(will.json)).toMatchObject({ state: 'offline', imagingServerId: identity.imagingServerId });
    // Published by the broker on the edge's behalf: the edge had no connection to publish on.
    expect(relay.accepted).toBe(connectionsBefore);
    expect(broker.log()).toMatch(new RegExp(`Client ${identity.imagingServerId} closed its connection|Socket error on client ${identity.imagingServerId}`));

    // The edge reconnects by itself (after its backoff of a second or two) and says "online" again.
    await observer.next('online again', topic('presence'), (json) => json.state === 'online' && observer.on(topic('presence'), (j) => j.state === 'online').length > onlineBefore, 10_000);
    expect(agent.connected).toBe(true);
    expect(relay.accepted).toBe(connectionsBefore + 1);
  });
});

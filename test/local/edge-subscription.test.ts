import { randomUUID } from 'node:crypto';
import type { Aedes } from 'aedes';
import { describe, expect, it } from 'vitest';
import { CONTRACT_VERSION } from '@marrow/shared';
import { EdgeSubscription, type HandledMessage } from '../../lambdas/src/local/broker/edge-subscription';
import type { CatalogueStore } from '../../lambdas/src/ports/catalogue-store';
import { newId } from '../../lambdas/src/app/ids';

type Deliver = (topic: string, payload: Buffer) => void;

/** Just enough of aedes: remembers each subscription's handler so the test can deliver. */
function fakeBroker(): { broker: Aedes; deliver: Deliver } {
  const handlers = new Map<string, (packet: { topic: string; payload: Buffer }, done: () => void) => void>();
  const broker = {
    subscribe: (filter: string, handler: (packet: { topic: string; payload: Buffer }, done: () => void) => void, ready: () => void) => {
      handlers.set(filter.split('/').at(-1)!, handler);
      ready();
    },
  } as unknown as Aedes;
  return { broker, deliver: (topic, payload) => handlers.get(topic.split('/').at(-1)!)!({ topic, payload }, () => undefined) };
}

/** A store whose every call waits for the test (or fails), to hold a message in flight. */
function gatedStore(answer: () => Promise<unknown>): CatalogueStore {
  return new Proxy({}, { get: () => () => answer() }) as CatalogueStore;
}

function presence(tenantId: string, imagingServerId: string): Buffer {
  return Buffer.from(JSON.stringify({ v: CONTRACT_VERSION, id: randomUUID(), sentAt: new Date().toISOString(), type: 'presence', state: 'offline', imagingServerId }));
}

describe('the local host subscription to edge messages', () => {
  const tenantId = newId('tenant');
  const edge = newId('imagingServer');
  const topic = `marrow/${tenantId}/${edge}/presence`;

  it('drains: waits for a message being applied before storage may close', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const handled: HandledMessage[] = [];
    const subscription = new EdgeSubscription({ store: gatedStore(() => gate.then(() => undefined)), clock: () => new Date() }, { onHandled: (m) => handled.push(m) });
    const { broker, deliver } = fakeBroker();
    await subscription.subscribe(broker);
    deliver(topic, presence(tenantId, edge));
    deliver(topic, presence(tenantId, edge));
    expect(subscription.busyEdges()).toBe(1);

    let drained = false;
    const draining = subscription.drain().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drained).toBe(false);
    open();
    await draining;
    // Both messages taken before the drain were handled (the server is unknown to this store).
    expect(handled.map((m) => m.outcome)).toEqual(['ignored', 'ignored']);
    expect(subscription.busyEdges()).toBe(0);
  });

  it('stops retrying a failing store once the host shuts down', async () => {
    let calls = 0;
    const failing = gatedStore(async () => {
      calls++;
      throw new Error('storage unavailable');
    });
    const handled: HandledMessage[] = [];
    const subscription = new EdgeSubscription({ store: failing, clock: () => new Date() }, { retryBaseMs: 10, onHandled: (m) => handled.push(m) });
    const { broker, deliver } = fakeBroker();
    await subscription.subscribe(broker);
    deliver(topic, presence(tenantId, edge));
    await subscription.drain();
    expect(handled.map((m) => m.outcome)).toEqual(['failed']);
    expect(calls).toBe(1); // the drain stopped the retries after the first failure
  });

  it('keeps retrying while running, and a shutdown cuts the backoff short', async () => {
    let calls = 0;
    const failing = gatedStore(async () => {
      calls++;
      throw new Error('storage unavailable');
    });
    const handled: HandledMessage[] = [];
    const subscription = new EdgeSubscription({ store: failing, clock: () => new Date() }, { retryBaseMs: 20, onHandled: (m) => handled.push(m) });
    const { broker, deliver } = fakeBroker();
    await subscription.subscribe(broker);
    deliver(topic, presence(tenantId, edge));
    await expect.poll(() => calls, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    expect(handled).toEqual([]);

    const slow = new EdgeSubscription({ store: failing, clock: () => new Date() }, { retryBaseMs: 60_000 });
    const second = fakeBroker();
    await slow.subscribe(second.broker);
    const before = calls;
    second.deliver(topic, presence(tenantId, edge));
    await expect.poll(() => calls).toBeGreaterThan(before); // now sleeping a minute before its retry
    const started = Date.now();
    await slow.drain();
    expect(Date.now() - started).toBeLessThan(5_000);
    await subscription.drain();
  });
});

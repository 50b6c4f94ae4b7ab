import { setTimeout } from 'node:timers/promises';
import type { Aedes } from 'aedes';
import { cloudSubscription, edgeToCloudChannels, type EdgeToCloudChannel } from '@marrow/shared';
import { handleEdgeMessage, type EdgeMessageDeps, type HandlingOutcome } from '../../telemetry/edge-message-handler';

/** What happened to one message, with wall-clock times (ms) — for benchmarks and logs. */
export interface HandledMessage {
  channel: EdgeToCloudChannel;
  topic: string;
  payload: Buffer;
  outcome: HandlingOutcome | 'failed';
  receivedAt: number;
  startedAt: number;
  doneAt: number;
}

export interface EdgeSubscriptionOptions {
  /** Called after each message was handled (or failed for good). */
  onHandled?: (message: HandledMessage) => void;
  /** First retry delay; doubles on each attempt (6 attempts in all). */
  retryBaseMs?: number;
}

const wallMs = (): number => performance.timeOrigin + performance.now();

/**
 * The local twin of IoT Core's topic rules: the host subscribes to every edge's upward
 * channels and calls the same handler the rules' Lambda calls in the cloud.
 *
 * One edge's messages are applied in the order it sent them (MQTT keeps per-topic order);
 * different edges proceed in parallel. `drain()` (after the broker closed) waits for the
 * messages already taken, so the host closes storage only once nothing is writing to it.
 */
export class EdgeSubscription {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly draining = new AbortController();

  constructor(
    private readonly deps: EdgeMessageDeps,
    private readonly options: EdgeSubscriptionOptions = {},
  ) {}

  async subscribe(broker: Aedes): Promise<void> {
    for (const channel of edgeToCloudChannels) {
      await new Promise<void>((resolve) =>
        broker.subscribe(cloudSubscription(channel), (packet, done) => {
          this.accept(channel, packet.topic, packet.payload as Buffer);
          done();
        }, () => resolve()),
      );
    }
  }

  /** Edges with messages queued or being applied. */
  busyEdges(): number {
    return this.chains.size;
  }

  async drain(): Promise<void> {
    this.draining.abort();
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  private accept(channel: EdgeToCloudChannel, topic: string, payload: Buffer): void {
    const receivedAt = wallMs();
    const key = topic.split('/').slice(0, 3).join('/');
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      const startedAt = wallMs();
      const outcome = await this.applyWithRetries(topic, payload);
      this.options.onHandled?.({ channel, topic, payload, outcome, receivedAt, startedAt, doneAt: wallMs() });
    });
    this.chains.set(key, next);
    void next.finally(() => this.chains.get(key) === next && this.chains.delete(key));
  }

  /**
   * The broker has acknowledged the message to the edge already, so a storage hiccup must
   * not lose it: retry with backoff (each message id is applied once, so retrying is safe),
   * like the retry policy of an IoT rule's Lambda action. At shutdown the retries stop: the
   * message stays unapplied, as a Lambda's would when its retries run out.
   */
  private async applyWithRetries(topic: string, payload: Buffer): Promise<HandlingOutcome | 'failed'> {
    const base = this.options.retryBaseMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await handleEdgeMessage(this.deps, topic, payload);
      } catch (error) {
        if (attempt >= 6 || this.draining.signal.aborted) {
          console.error(JSON.stringify({ level: 'error', message: 'edge message failed', topic, attempts: attempt, error: String(error) }));
          return 'failed';
        }
        await setTimeout(base * 2 ** (attempt - 1), undefined, { signal: this.draining.signal }).catch(() => undefined);
      }
    }
  }
}

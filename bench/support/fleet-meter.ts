import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { DynamoCallStats, HostReport, Percentiles } from './fleet-protocol';

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with Date.parse). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]!) };
}

const round = (value: number) => Math.round(value * 100) / 100;

export interface HandledMessage {
  channel: string;
  outcome: string;
  id: string | undefined;
  sentAt: string | undefined;
  receivedAt: number;
  startedAt: number;
  doneAt: number;
}

/**
 * What the host child measures inside one window: per message the time from the edge's
 * sentAt to the end of handleEdgeMessage (and its parts), every DynamoDB call by command,
 * the host's CPU, memory and event loop.
 */
export class FleetMeter {
  private measuring = false;
  private latency: number[] = [];
  private progressMark = 0;
  private transit: number[] = [];
  private queued: number[] = [];
  private handler: number[] = [];
  private outcomes: Record<string, number> = {};
  private handledAll = 0;
  private handledHealth = 0;
  private readonly appliedHealthIds = new Set<string>();
  private dynamo = new Map<string, number[]>();
  private startedAt = 0;
  private cpu: NodeJS.CpuUsage = process.cpuUsage();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private rssPeak = 0;
  private readonly sampler: NodeJS.Timeout;

  constructor() {
    this.sampler = setInterval(() => {
      if (this.measuring) this.rssPeak = Math.max(this.rssPeak, process.memoryUsage.rss());
    }, 250);
    this.sampler.unref();
  }

  start(): void {
    this.measuring = true;
    this.latency = [];
    this.progressMark = 0;
    this.transit = [];
    this.queued = [];
    this.handler = [];
    this.outcomes = {};
    this.handledAll = 0;
    this.handledHealth = 0;
    this.appliedHealthIds.clear();
    this.dynamo = new Map();
    this.startedAt = wallMs();
    this.cpu = process.cpuUsage();
    this.elu = performance.eventLoopUtilization();
    this.loopDelay.reset();
    this.loopDelay.enable();
    this.rssPeak = process.memoryUsage.rss();
  }

  handled(message: HandledMessage): void {
    if (!this.measuring) return;
    const key = `${message.channel}:${message.outcome}`;
    this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
    this.handledAll++;
    if (message.channel !== 'health') return;
    this.handledHealth++;
    if (message.outcome !== 'applied' || !message.id || !message.sentAt) return;
    this.appliedHealthIds.add(message.id);
    const sent = Date.parse(message.sentAt);
    this.latency.push(message.doneAt - sent);
    this.transit.push(message.receivedAt - sent);
    this.queued.push(message.startedAt - message.receivedAt);
    this.handler.push(message.doneAt - message.startedAt);
  }

  dynamoCall(command: string, ms: number): void {
    if (!this.measuring) return;
    let list = this.dynamo.get(command);
    if (!list) this.dynamo.set(command, (list = []));
    list.push(ms);
  }

  get appliedHealth(): number {
    return this.appliedHealthIds.size;
  }

  /** Latencies of the health reports applied since the previous call (to watch a backlog build up). */
  recentLatency(): Percentiles {
    const recent = this.latency.slice(this.progressMark);
    this.progressMark = this.latency.length;
    return percentiles(recent);
  }

  report(publishedIds: string[]): HostReport {
    const seconds = (wallMs() - this.startedAt) / 1000;
    const cpu = process.cpuUsage(this.cpu);
    const elu = performance.eventLoopUtilization(this.elu);
    this.loopDelay.disable();
    this.measuring = false;
    const missing = publishedIds.filter((id) => !this.appliedHealthIds.has(id));
    const applied = Math.max(1, this.appliedHealthIds.size);
    const dynamo: DynamoCallStats[] = [...this.dynamo.entries()]
      .map(([command, times]) => ({ command, ...percentiles(times), perHealthMessage: round(times.length / applied) }))
      .sort((a, b) => b.count - a.count);
    const memory = process.memoryUsage();
    return {
      seconds: round(seconds),
      latencyMs: percentiles(this.latency),
      transitMs: percentiles(this.transit),
      queuedMs: percentiles(this.queued),
      handlerMs: percentiles(this.handler),
      dynamo,
      outcomes: this.outcomes,
      msgsPerSecond: round(this.handledHealth / seconds),
      allMsgsPerSecond: round(this.handledAll / seconds),
      lost: missing.length,
      lostSample: missing.slice(0, 5),
      cpuPercent: round(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100),
      cpuMsPerMessage: round((cpu.user + cpu.system) / 1000 / Math.max(1, this.handledAll)),
      rssMb: { peak: round(Math.max(this.rssPeak, memory.rss) / 2 ** 20), end: round(memory.rss / 2 ** 20) },
      heapUsedMb: round(memory.heapUsed / 2 ** 20),
      eventLoopUtilization: round(elu.utilization),
      eventLoopDelayP99Ms: round(this.loopDelay.percentile(99) / 1e6),
    };
  }
}

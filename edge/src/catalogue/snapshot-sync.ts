import { catalogueSnapshotSchema, type CatalogueSnapshot } from '@marrow/shared';
import type { EdgeIdentity } from './credential-store';
import type { SnapshotStore } from './snapshot-store';

export interface SyncStatus {
  controlPlaneReachable: boolean;
  lastSyncAt: string | null;
  lastError: string | null;
}

/**
 * Keeps the edge's catalogue snapshot current: pulls it from the control plane (with
 * If-None-Match, so an unchanged catalogue costs a 304), stores it durably, and keeps
 * serving the last good one whenever the control plane cannot be reached.
 */
export class SnapshotSync {
  private current: CatalogueSnapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly listeners: ((snapshot: CatalogueSnapshot) => void)[] = [];
  readonly status: SyncStatus = { controlPlaneReachable: false, lastSyncAt: null, lastError: null };

  constructor(
    private readonly identity: EdgeIdentity,
    private readonly store: SnapshotStore,
    private readonly pollSeconds: number,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get snapshot(): CatalogueSnapshot | undefined {
    return this.current;
  }

  onChange(listener: (snapshot: CatalogueSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Loads the stored snapshot (so PXE works at once, even offline), syncs once, then polls. */
  async start(): Promise<void> {
    try {
      this.current = await this.store.load();
    } catch (error) {
      this.status.lastError = (error as Error).message;
    }
    await this.syncNow();
    this.timer = setInterval(() => void this.syncNow(), this.pollSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pull; concurrent callers share it. Never throws: failures are recorded in `status`. */
  syncNow(): Promise<void> {
    this.running ??= this.pull().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pull(): Promise<void> {
    try {
      const response = await this.fetchImpl(`${this.identity.controlPlaneUrl.replace(/\/+$/, '')}/v1/edge/snapshot`, {
        headers: {
          authorization: `Bearer ${this.identity.credential}`,
          ...(this.current ? { 'if-none-match': `"${this.current.version}"` } : {}),
        },
        signal: AbortSignal.timeout(15_000),
      });
      if (response.status === 304) {
        this.succeeded();
        return;
      }
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
        throw new Error(`the control plane answered ${response.status}: ${body.error?.message ?? response.statusText}`);
      }
      const snapshot = catalogueSnapshotSchema.parse(await response.json());
      await this.store.save(snapshot);
      const changed = snapshot.version !== this.current?.version;
      this.current = snapshot;
      this.succeeded();
      if (changed) for (const listener of this.listeners) listener(snapshot);
    } catch (error) {
      this.status.controlPlaneReachable = false;
      this.status.lastError = describe(error);
    }
  }

  private succeeded(): void {
    this.status.controlPlaneReachable = true;
    this.status.lastSyncAt = new Date().toISOString();
    this.status.lastError = null;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}

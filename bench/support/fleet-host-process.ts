import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { HostAnswer, HostRequest } from './fleet-protocol';

/** The host child (fleet-host.ts) seen from the benchmark: start it, ask it things, stop it. */
export class FleetHostProcess {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly mqttPort: number,
  ) {
    child.on('message', (message: HostAnswer) => {
      const waiter = this.pending.get(message.seq);
      if (!waiter) return;
      this.pending.delete(message.seq);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`host: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`the host exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(dataDir: string, cpuProfileDir?: string): Promise<FleetHostProcess> {
    const child = fork(resolve(import.meta.dirname, 'fleet-host.ts'), [JSON.stringify({ dataDir, ...(cpuProfileDir ? { cpuProfileDir } : {}) })], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const mqttPort = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error('the host did not start within 60 s')), 60_000);
      child.once('message', (message: { ready?: boolean; mqttPort?: number }) => {
        clearTimeout(timer);
        if (message.ready && message.mqttPort) resolvePort(message.mqttPort);
        else reject(new Error(`unexpected first message from the host: ${JSON.stringify(message)}`));
      });
      child.once('exit', (code) => reject(new Error(`the host exited with ${code} before it was ready`)));
    });
    return new FleetHostProcess(child, mqttPort);
  }

  call<T>(request: HostRequest): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolveCall, reject) => {
      this.pending.set(seq, { resolve: resolveCall as (value: unknown) => void, reject });
      this.child.send({ seq, ...request });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolveExit) => this.child.once('exit', () => resolveExit()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.call({ cmd: 'stop' }).catch(() => undefined);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

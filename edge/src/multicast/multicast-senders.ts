import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Multicast deploys: one udpcast session per partition of a deployment, fed from the edge's
 * chunk cache to every machine of the deployment at once (design §4: "the edge feeds one
 * udpcast session to N receivers"). The imaging environment's client asks to join a
 * partition's session; the first ask starts `udp-sender` on a free port pair, later asks get
 * the same ports while it still waits for receivers. A machine that asks once the transfer
 * has begun (it booted late) is told to stream that partition over HTTP instead, as a unicast
 * deploy does: nobody waits for it and nobody is slowed down by it.
 *
 * udp-sender starts sending when every machine expected has joined, or `maxWaitSeconds` after
 * the first one did (udpcast's --min-receivers and --max-wait); it exits when the transfer
 * is over, and its session is forgotten. A machine whose task has ended (failed, or done over
 * HTTP) is not expected by the sessions started after that: else every later partition would
 * wait the whole `maxWaitSeconds` for it.
 */

/** Deployments whose ended machines are remembered: the most recent ones (a site runs a few at once). */
const ENDED_DEPLOYMENTS_KEPT = 64;

export interface MulticastSettings {
  /** The site network's interface name, as udpcast wants it (e.g. "eth0"). */
  readonly interface: string;
  /** udpcast uses two UDP ports per session: portBase + 2k and portBase + 2k + 1. */
  readonly portBase: number;
  readonly maxSessions: number;
  /** Start this long after the first receiver joined, even if some machines have not. */
  readonly maxWaitSeconds: number;
  /** How udp-sender is run: the program and the arguments before udpcast's own (tests prefix `ip netns exec NS`). */
  readonly command?: readonly string[];
}

export interface MulticastSessionKey {
  deploymentId: string;
  masterId: string;
  partition: number;
}

export type JoinAnswer = { portbase: number } | { unicast: true; reason: string };

interface Session {
  portbase: number;
  child: ChildProcess;
  started: boolean;
  done: Promise<void>;
}

export class MulticastSenders {
  private readonly sessions = new Map<string, Session>();
  /** Per deployment, the machines whose task ended: the next sessions do not wait for them. */
  private readonly ended = new Map<string, Set<string>>();
  private closed = false;

  constructor(
    private readonly settings: MulticastSettings,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /**
   * `machineId` joins `key`'s session, starting it (with `stream` as its data) when there is
   * none. `receivers` is how many machines the deployment has; those whose task has ended are
   * not waited for.
   */
  join(key: MulticastSessionKey, machineId: string, receivers: number, stream: () => AsyncIterable<Uint8Array>): JoinAnswer {
    // A machine that asks is not over, whatever it reported before (it booted again).
    const ended = this.ended.get(key.deploymentId);
    ended?.delete(machineId);
    const endedCount = ended?.size ?? 0;
    const id = `${key.deploymentId}/${key.masterId}/${key.partition}`;
    const running = this.sessions.get(id);
    if (running) return running.started ? { unicast: true, reason: 'the multicast transfer of this partition has already begun' } : { portbase: running.portbase };
    if (this.closed) return { unicast: true, reason: 'the imaging server is stopping' };
    const portbase = this.freePortbase();
    if (portbase === undefined) return { unicast: true, reason: `${this.settings.maxSessions} multicast sessions are already running` };
    const session = this.start(id, portbase, { expected: Math.max(1, receivers - endedCount), ended: endedCount }, stream);
    return session ? { portbase } : { unicast: true, reason: 'udp-sender cannot be started on this imaging server' };
  }

  /** `machineId`'s task in `deploymentId` ended (failed, or done): the sessions started from now on do not wait for it. */
  machineEnded(deploymentId: string, machineId: string): void {
    let machines = this.ended.get(deploymentId);
    if (!machines) {
      this.ended.set(deploymentId, (machines = new Set()));
      if (this.ended.size > ENDED_DEPLOYMENTS_KEPT) this.ended.delete(this.ended.keys().next().value!);
    }
    machines.add(machineId);
  }

  /** Sessions waiting for receivers or sending. */
  get running(): number {
    return this.sessions.size;
  }

  /** Stops every session (their receivers fail and the machines can be deployed again). */
  async close(): Promise<void> {
    this.closed = true;
    const sessions = [...this.sessions.values()];
    for (const session of sessions) session.child.kill('SIGTERM');
    await Promise.all(sessions.map((s) => s.done));
  }

  private freePortbase(): number | undefined {
    const used = new Set([...this.sessions.values()].map((s) => s.portbase));
    for (let k = 0; k < this.settings.maxSessions; k++) {
      const portbase = this.settings.portBase + 2 * k;
      if (!used.has(portbase)) return portbase;
    }
    return undefined;
  }

  private start(id: string, portbase: number, receivers: { expected: number; ended: number }, stream: () => AsyncIterable<Uint8Array>): Session | undefined {
    const [program, ...prefix] = this.settings.command ?? ['udp-sender'];
    const args = [
      ...prefix,
      '--nokbd',
      '--interface',
      this.settings.interface,
      '--portbase',
      String(portbase),
      '--min-receivers',
      String(receivers.expected),
      '--max-wait',
      String(this.settings.maxWaitSeconds),
    ];
    let child: ChildProcess;
    try {
      child = spawn(program!, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    } catch (error) {
      this.log(`multicast: cannot start udp-sender: ${(error as Error).message}`);
      return undefined;
    }
    const session: Session = { portbase, child, started: false, done: once(child, 'close').then(() => undefined, () => undefined) };
    this.sessions.set(id, session);
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      // udp-sender says "Starting transfer" once its receivers are in (or max-wait passed).
      if (!session.started && /starting transfer/i.test(text)) {
        session.started = true;
        this.log(`multicast: ${id} on port ${portbase}: transfer started`);
      }
      stderr = (stderr + text).slice(-2000);
    });
    child.once('error', (error) => this.log(`multicast: udp-sender for ${id}: ${error.message}`));
    child.once('close', (code, signal) => {
      this.sessions.delete(id);
      if (code !== 0) this.log(`multicast: udp-sender for ${id} ended with ${signal ?? `exit ${code}`}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    });
    void this.feed(child, session.done, stream, id);
    const skipped = receivers.ended ? ` (${receivers.ended} machine(s) of the deployment already ended)` : '';
    this.log(`multicast: ${id} waiting for ${receivers.expected} receiver(s)${skipped} on ${this.settings.interface}, port ${portbase}`);
    return session;
  }

  /** Pipes the partition stream into udp-sender, minding backpressure; a failing stream ends the session. */
  private async feed(child: ChildProcess, closed: Promise<void>, stream: () => AsyncIterable<Uint8Array>, id: string): Promise<void> {
    const stdin = child.stdin!;
    stdin.on('error', () => undefined); // udp-sender gone: 'close' tells the rest
    try {
      for await (const piece of stream()) {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // The session's one 'close' promise, not a new once(child, 'close') per wait: a partition
        // is thousands of full pipes, and each once() would leave a listener on the child.
        if (!stdin.write(piece)) await Promise.race([once(stdin, 'drain'), closed]);
      }
      stdin.end();
    } catch (error) {
      this.log(`multicast: the stream of ${id} failed: ${(error as Error).message}`);
      child.kill('SIGTERM');
    }
  }
}

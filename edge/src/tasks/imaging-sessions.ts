import { randomBytes } from 'node:crypto';

export type ImagingMode = 'deploy' | 'backup' | 'register' | 'diagnostics';

/** What one PXE boot into the imaging environment may do, bound to one machine. */
export interface ImagingSession {
  token: string;
  mac: string;
  modes: ImagingMode[];
  machineId: string | null;
  hostname: string | null;
  deploymentId: string | null;
  /** The backup request this boot answers (a backup asked in the API), reported to as it goes. */
  backupRequestId: string | null;
  /** Masters this boot may deploy: the armed task's, or those of the menu it was shown. */
  masterIds: string[];
  /** The armed deployment's post-imaging lines (empty for a boot from the menu: see postImagingScripts). */
  postImagingScript: string[];
  /**
   * A boot from the menu: the post-imaging lines of each master it offers (their own scripts,
   * from the snapshot), by master id. Empty for a boot armed by a task.
   */
  postImagingScripts: Record<string, string[]>;
  /** An armed deploy of a multicast deployment: how many machines its udpcast sessions wait for. Null otherwise. */
  multicast: { receivers: number } | null;
  expiresAt: number;
}

/**
 * The post-imaging lines a deploy of `masterId` runs in this boot: an armed deployment's own,
 * whatever master is named; for a boot from the menu, the lines of the master chosen (none
 * when no master is named). Undefined when the boot was not offered that master.
 */
export function postImagingScriptOf(session: ImagingSession, masterId: string | undefined): string[] | undefined {
  if (session.deploymentId !== null || masterId === undefined) return session.postImagingScript;
  if (!session.masterIds.includes(masterId)) return undefined;
  return Object.hasOwn(session.postImagingScripts, masterId) ? session.postImagingScripts[masterId] : session.postImagingScript;
}

/**
 * Every post-imaging line whose files (answer files, agents, driver sets) this boot may
 * fetch: those of `masterId` when it is named (see postImagingScriptOf); else the armed
 * deployment's, or for a boot from the menu those of all the masters it offers.
 */
export function fetchableScriptLines(session: ImagingSession, masterId: string | undefined): string[] | undefined {
  if (session.deploymentId !== null || masterId !== undefined) return postImagingScriptOf(session, masterId);
  return [...session.postImagingScript, ...session.masterIds.flatMap((id) => (Object.hasOwn(session.postImagingScripts, id) ? session.postImagingScripts[id]! : []))];
}

/**
 * One-time tokens for imaging sessions (design §6): the edge mints one each time it renders a
 * boot script that can start the imaging environment, and the client presents it on every
 * call. A token only opens what that boot was offered (e.g. a deploy of that master to that
 * machine) and lapses after a few hours. Kept in memory: after an edge restart a machine
 * simply PXE-boots again.
 */
export class ImagingSessions {
  private readonly sessions = new Map<string, ImagingSession>();

  constructor(
    private readonly lifetimeMs = 6 * 3600 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  mint(session: Omit<ImagingSession, 'token' | 'expiresAt'>): ImagingSession {
    this.sweep();
    const full = { ...session, token: randomBytes(18).toString('base64url'), expiresAt: this.now() + this.lifetimeMs };
    this.sessions.set(full.token, full);
    return full;
  }

  get(token: string | undefined): ImagingSession | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt < this.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }

  end(token: string): void {
    this.sessions.delete(token);
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, session] of this.sessions) if (session.expiresAt < now) this.sessions.delete(token);
  }
}

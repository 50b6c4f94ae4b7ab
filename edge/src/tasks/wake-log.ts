/**
 * Which machines Marrow woke up lately. A machine that PXE-boots shortly after our
 * Wake-on-LAN packet gets its entity's WOL menu rather than the classic one.
 */
export class WakeLog {
  private readonly woken = new Map<string, number>();

  constructor(
    /** A PXE boot later than this after the magic packet is an ordinary boot. */
    private readonly windowMs = 10 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  record(mac: string): void {
    this.woken.set(mac.toLowerCase(), this.now());
  }

  wokenRecently(mac: string): boolean {
    const at = this.woken.get(mac.toLowerCase());
    if (at === undefined) return false;
    if (this.now() - at > this.windowMs) {
      this.woken.delete(mac.toLowerCase());
      return false;
    }
    return true;
  }
}

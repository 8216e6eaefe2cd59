const WINDOW_MS = 5 * 60_000;
const MAX_REMEMBERED = 100_000;

/**
 * Remembers the signatures of verified Slack requests for five minutes (or `windowMs`). Bolt's
 * check refuses a request older than that; a captured request replayed within that window would
 * still pass, so each signature is good once.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastSweep: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = WINDOW_MS,
  ) {
    this.lastSweep = now();
  }

  /** True the first time a signature is offered within the window; false for a replay. */
  firstTime(signature: string): boolean {
    const at = this.now();
    if (at - this.lastSweep > this.windowMs) {
      for (const [key, expiry] of this.seen) if (expiry <= at) this.seen.delete(key);
      this.lastSweep = at;
    }
    const expiry = this.seen.get(signature);
    if (expiry !== undefined && expiry > at) return false;
    // Bounded: even a flood of validly signed requests costs at most this much memory.
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(signature, at + this.windowMs);
    return true;
  }
}

/**
 * Slack's per-workspace allowance for a method, kept on our side so that calls wait rather than
 * draw 429s: a bucket of `burst` calls refilled at `perMinute` (Slack documents chat.update as Tier
 * 3, about 50 a minute, with short bursts tolerated). Time is wall-clock milliseconds (Slack's).
 */
export class CallBudget {
  private tokens: number;
  private lastAt: number | undefined;

  constructor(
    private readonly perMinute: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes a call's share: 0 when it may go now, else how many ms until it may. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
  }

  private refill(now: number): void {
    if (this.lastAt !== undefined)
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastAt) * this.perMinute) / 60_000);
    this.lastAt = now;
  }
}

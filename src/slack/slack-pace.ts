import type { OutboxJob } from '../store/exception-types.js';
import { CallBudget } from './call-budget.js';

/** The Web API method each outbox kind calls (for the error metric, and to rest a method after a 429). */
export const METHOD_OF: Record<OutboxJob['kind'], string> = {
  post: 'chat.postMessage',
  thread: 'chat.postMessage',
  escalate: 'chat.postMessage',
  group_post: 'chat.postMessage',
  digest: 'chat.postMessage',
  weekly_digest: 'chat.postMessage',
  silence: 'chat.postMessage',
  update: 'chat.update',
  moved: 'chat.update',
  group_update: 'chat.update',
  joined: 'chat.update',
  board_post: 'chat.postMessage',
  board_update: 'chat.update',
  ephemeral: 'chat.postEphemeral',
};

const KINDS = Object.keys(METHOD_OF) as OutboxJob['kind'][];

/** Slack's Tier 3 is about 50 a minute: a burst of 10 and 40 a minute never pass 50 in any minute. */
const UPDATES_PER_MINUTE = 40;
const UPDATE_BURST = 10;

/**
 * What Slack's limits allow now, in wall-clock time (Slack's, unlike due times, which follow the
 * app's clock): chat.postMessage about once a second per channel; chat.update within the
 * workspace's allowance; and, after a 429, its Retry-After: per channel for chat.postMessage, for
 * the whole workspace for the other methods, whose limits are per app and workspace.
 */
export class SlackPace {
  private readonly nextPostAt = new Map<string, number>();
  private readonly methodRestsUntil = new Map<string, number>();
  private readonly updates: CallBudget;

  constructor(
    private readonly postIntervalMs: number,
    updateBudget = { perMinute: UPDATES_PER_MINUTE, burst: UPDATE_BURST },
  ) {
    this.updates = new CallBudget(updateBudget.perMinute, updateBudget.burst);
  }

  /** Channels that must wait before their next post; their posts are not claimed meanwhile. */
  pacedChannels(): string[] {
    const now = performance.now();
    return [...this.nextPostAt].filter(([, at]) => at > now).map(([channel]) => channel);
  }

  /** Row kinds whose method rests: none of them is claimed meanwhile. */
  restingKinds(): OutboxJob['kind'][] {
    const now = performance.now();
    return KINDS.filter((kind) => (this.methodRestsUntil.get(METHOD_OF[kind]) ?? 0) > now);
  }

  /** When the next pace or rest ends, if any does. */
  nextEnd(): number | undefined {
    const now = performance.now();
    const ends = [...this.nextPostAt.values(), ...this.methodRestsUntil.values()].filter((at) => at > now);
    return ends.length === 0 ? undefined : Math.min(...ends);
  }

  /**
   * How long this row must wait before its call (0: it may go now, and an update has taken its share
   * of the allowance). A post also waits while `held` has its channel: an earlier post of the batch waits.
   */
  waitFor(job: OutboxJob, held: ReadonlySet<string>): number {
    const method = METHOD_OF[job.kind];
    if (method === 'chat.update' && !this.rests(method)) {
      const budgetMs = this.updates.take(performance.now());
      if (budgetMs > 0) this.restMethod(method, budgetMs);
    }
    const now = performance.now();
    const restMs = (this.methodRestsUntil.get(method) ?? 0) - now;
    if (method !== 'chat.postMessage') return Math.max(restMs, 0);
    const paceMs = (this.nextPostAt.get(job.channel) ?? 0) - now;
    if (paceMs <= 0 && restMs <= 0 && !held.has(job.channel)) return 0;
    return Math.max(paceMs, restMs, 1);
  }

  /** A post went out: the channel's next waits its interval. */
  posted(job: OutboxJob): void {
    if (METHOD_OF[job.kind] === 'chat.postMessage')
      this.nextPostAt.set(job.channel, performance.now() + this.postIntervalMs);
  }

  /** After a 429: that channel's posts, or every call of a workspace-limited method, wait `waitMs`. */
  rateLimited(job: OutboxJob, waitMs: number): void {
    const method = METHOD_OF[job.kind];
    if (method === 'chat.postMessage') this.nextPostAt.set(job.channel, performance.now() + waitMs);
    else this.restMethod(method, waitMs);
  }

  private restMethod(method: string, waitMs: number): void {
    const until = performance.now() + waitMs;
    this.methodRestsUntil.set(method, Math.max(until, this.methodRestsUntil.get(method) ?? 0));
  }

  private rests(method: string): boolean {
    return (this.methodRestsUntil.get(method) ?? 0) > performance.now();
  }
}

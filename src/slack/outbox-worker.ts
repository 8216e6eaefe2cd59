import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { Observer } from '../services/observer.js';
import type { OutboxJob } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import { CallBudget } from './call-budget.js';
import { LookupFailedError, OutboxCalls, RootMissingError } from './outbox-calls.js';
import { jobFields } from './outbox-log.js';
import { peopleNamedIn } from './people-named.js';
import { classifySlackError } from './slack-errors.js';
import type { UserNames } from './user-names.js';

export interface OutboxWorkerOptions {
  store: Store;
  client: WebClient;
  clock: Clock;
  logger: Logger;
  names: UserNames;
  observer?: Observer;
  /** Slack allows about one chat.postMessage per second per channel. */
  postIntervalMs?: number;
  /** chat.update's allowance for the workspace (default: 45 a minute after a burst of 10). */
  updateBudget?: { perMinute: number; burst: number };
  pollMs?: number;
  maxAttempts?: number;
}

export interface SlackHealth {
  state: 'connected' | 'degraded';
  detail?: string;
}

/**
 * Sends the outbox to Slack: in order per message, paced per channel, rendering each message from
 * the exception's state at send time. It owns retries (the client's are off): Retry-After on 429,
 * backoff on 5xx and network errors, a recorded reason on errors that can never succeed.
 */
export class OutboxWorker {
  private readonly nextPostAt = new Map<string, number>();
  /**
   * Methods Slack refused with 429 for the whole workspace (chat.update, chat.postEphemeral: their
   * limits are per app and workspace, unlike chat.postMessage's per channel), until Retry-After ends.
   */
  private readonly methodRestsUntil = new Map<string, number>();
  /** chat.update within Slack's Tier 3 allowance, so that an outage's redraws wait instead of drawing 429s. */
  private readonly updates: CallBudget;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastFailure: { at: number; reason: string } | undefined;
  private abandonedReleased = false;
  private readonly calls: OutboxCalls;

  constructor(private readonly o: OutboxWorkerOptions) {
    this.calls = new OutboxCalls(o);
    const budget = o.updateBudget ?? { perMinute: UPDATES_PER_MINUTE, burst: UPDATE_BURST };
    this.updates = new CallBudget(budget.perMinute, budget.burst);
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.o.pollMs ?? 500);
    this.timer.unref();
    this.wake();
  }

  /** Runs a drain soon; calls while one runs fold into one more pass. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Degraded from a failed call until the next call succeeds. */
  health(): SlackHealth {
    return this.lastFailure ? { state: 'degraded', detail: this.lastFailure.reason } : { state: 'connected' };
  }

  private async drain(): Promise<void> {
    try {
      if (!this.abandonedReleased) {
        const released = await this.o.store.releaseAbandonedOutbox();
        if (released > 0)
          this.o.logger.warn(`outbox: ${released} Slack call(s) cut off by a restart are retried`);
        this.abandonedReleased = true;
      }
      for (;;) {
        const jobs = await this.o.store.claimOutbox({
          now: this.o.clock.now(),
          limit: 20,
          leaseMs: 60_000,
          pacedChannels: this.pacedChannels(),
          heldKinds: this.restingKinds(),
          // Where several instances send, a channel's next sender keeps its pace too.
          paceMs: this.o.postIntervalMs ?? 1000,
        });
        if (jobs.length === 0) {
          this.wakeWhenPaceEnds();
          return;
        }
        let sent = 0;
        await this.o.names.load(jobs.flatMap(peopleNamedIn));
        // A channel whose post waits for its pace keeps its later posts of this batch waiting too:
        // the pace may end while this batch is still sent, and they must not overtake it.
        const held = new Set<string>();
        for (const job of jobs) if (await this.send(job, held)) sent += 1;
        // Everything claimed is waiting for its channel's pace: the timer set for it takes over.
        if (sent === 0) return;
      }
    } catch (error) {
      this.o.logger.error('outbox drain failed:', error);
    }
  }

  /**
   * Posts held back by a channel's pace, and calls held back by their method's Retry-After, are
   * picked up the moment it ends, not at the next poll.
   */
  private wakeWhenPaceEnds(): void {
    const now = performance.now();
    const ends = [...this.nextPostAt.values(), ...this.methodRestsUntil.values()];
    const next = Math.min(...ends.filter((at) => at > now));
    if (Number.isFinite(next)) setTimeout(() => this.wake(), next - now + 1).unref();
  }

  /** Row kinds whose Slack method rests after a 429: none of them is claimed meanwhile. */
  private restingKinds(): OutboxJob['kind'][] {
    const now = performance.now();
    return KINDS.filter((kind) => (this.methodRestsUntil.get(METHOD_OF[kind]) ?? 0) > now);
  }

  /** Channels that must wait before their next post; their posts are not claimed meanwhile. */
  private pacedChannels(): string[] {
    const now = performance.now();
    return [...this.nextPostAt].filter(([, at]) => at > now).map(([channel]) => channel);
  }

  /** Sends one row; false when it had to wait for its channel's pace (it is released, not failed). */
  private async send(job: OutboxJob, held: Set<string>): Promise<boolean> {
    // chat.postMessage is paced per channel; updates have a looser limit of their own. Pace is
    // wall-clock time (it is Slack's), unlike due times, which follow the app's clock.
    const posts = METHOD_OF[job.kind] === 'chat.postMessage';
    const waitMs = (this.nextPostAt.get(job.channel) ?? 0) - performance.now();
    // Claimed in the batch before its method drew a 429 (or ran out of its allowance): it waits too.
    if (METHOD_OF[job.kind] === 'chat.update' && !this.methodRests('chat.update')) {
      const waitForBudgetMs = this.updates.take(performance.now());
      if (waitForBudgetMs > 0) this.restMethod('chat.update', waitForBudgetMs);
    }
    const restMs = (this.methodRestsUntil.get(METHOD_OF[job.kind]) ?? 0) - performance.now();
    if ((posts && (waitMs > 0 || held.has(job.channel))) || restMs > 0) {
      if (posts) held.add(job.channel);
      await this.o.store.releaseOutbox({ id: job.id, ...fenceOf(job) });
      setTimeout(() => this.wake(), Math.max(waitMs, restMs, 0)).unref();
      return false;
    }
    try {
      const found = posts && job.inDoubt ? await this.calls.alreadyPosted(job) : undefined;
      if (found !== undefined) {
        this.o.logger.warn(
          `Slack ${job.kind} to ${job.channel} had already been posted; not posting it again`,
          jobFields(job),
        );
        this.lastFailure = undefined;
        await this.o.store.completeOutbox({ id: job.id, at: this.o.clock.now(), ts: found, ...fenceOf(job) });
        return true;
      }
      const ts = await this.calls.send(job);
      if (posts) this.nextPostAt.set(job.channel, performance.now() + (this.o.postIntervalMs ?? 1000));
      this.lastFailure = undefined;
      await this.o.store.completeOutbox({
        id: job.id,
        at: this.o.clock.now(),
        ...(ts !== undefined && { ts }),
        ...fenceOf(job),
      });
    } catch (error) {
      await this.handleFailure(job, error);
    }
    return true;
  }

  /**
   * After a 429: chat.postMessage's limit is per channel, so that channel's posts wait; the other
   * methods' limits are per workspace, so every call of that method waits, whatever its channel,
   * instead of each pending update drawing a 429 of its own.
   */
  private rest(job: OutboxJob, waitMs: number): void {
    const method = METHOD_OF[job.kind];
    if (method === 'chat.postMessage') this.nextPostAt.set(job.channel, performance.now() + waitMs);
    else this.restMethod(method, waitMs);
  }

  private restMethod(method: string, waitMs: number): void {
    const until = performance.now() + waitMs;
    this.methodRestsUntil.set(method, Math.max(until, this.methodRestsUntil.get(method) ?? 0));
  }

  private methodRests(method: string): boolean {
    return (this.methodRestsUntil.get(method) ?? 0) > performance.now();
  }

  private async handleFailure(job: OutboxJob, error: unknown): Promise<void> {
    const failure =
      error instanceof RootMissingError
        ? { type: 'permanent' as const, reason: error.message }
        : error instanceof LookupFailedError
          ? error.failure
          : classifySlackError(error);
    const now = this.o.clock.now();
    this.lastFailure = { at: now, reason: `${job.kind} to ${job.channel}: ${failure.reason}` };
    this.o.observer?.slackCallFailed(
      METHOD_OF[job.kind],
      failure.type === 'permanent' ? failure.reason : failure.type,
    );
    // A 429 is Slack asking to wait, never a reason to give up: only other failures count out.
    const outOfAttempts = failure.type !== 'rate_limited' && job.attempts + 1 >= (this.o.maxAttempts ?? 12);
    if (failure.type === 'permanent' || outOfAttempts) {
      this.o.logger.error(`Slack ${job.kind} to ${job.channel} given up: ${failure.reason}`, jobFields(job));
      return this.o.store.failOutbox({ id: job.id, error: failure.reason, ...fenceOf(job) });
    }
    const waitMs = failure.type === 'rate_limited' ? failure.retryAfterMs : backoffMs(job.attempts);
    if (failure.type === 'rate_limited') this.rest(job, waitMs);
    this.o.logger.warn(
      `Slack ${job.kind} to ${job.channel} failed (${failure.reason}); retrying in ${waitMs} ms`,
      jobFields(job),
    );
    await this.o.store.retryOutbox({
      id: job.id,
      dueAt: now + waitMs,
      error: failure.reason,
      inDoubt: failure.type === 'transient' && failure.inDoubt,
      ...fenceOf(job),
    });
  }
}

/** The Web API method each outbox kind calls (for the error metric, and to rest a method after a 429). */
const METHOD_OF: Record<OutboxJob['kind'], string> = {
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

/** A little under Slack's Tier 3 (about 50 a minute), leaving room for bursts it tolerates. */
const UPDATES_PER_MINUTE = 45;
const UPDATE_BURST = 10;

/** The lease a job was claimed under goes back with every write about it (see OutboxRowBase.token). */
function fenceOf(job: OutboxJob): { token?: number } {
  return job.token === undefined ? {} : { token: job.token };
}

/** 1 s, 2 s, 4 s … up to 5 minutes. */
function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** attempts, 5 * 60_000);
}

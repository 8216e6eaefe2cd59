import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { Observer } from '../services/observer.js';
import type { OutboxJob } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import { LookupFailedError, OutboxCalls, RootMissingError } from './outbox-calls.js';
import { jobFields } from './outbox-log.js';
import { peopleNamedIn } from './people-named.js';
import { classifySlackError } from './slack-errors.js';
import { METHOD_OF, SlackPace } from './slack-pace.js';
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
  /** chat.update's allowance for the workspace (default: 40 a minute after a burst of 10). */
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
  private readonly pace: SlackPace;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastFailure: { at: number; reason: string } | undefined;
  private abandonedReleased = false;
  private readonly calls: OutboxCalls;

  constructor(private readonly o: OutboxWorkerOptions) {
    this.calls = new OutboxCalls(o);
    this.pace = new SlackPace(o.postIntervalMs ?? 1000, o.updateBudget);
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
          pacedChannels: this.pace.pacedChannels(),
          heldKinds: this.pace.restingKinds(),
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
   * Posts held back by a channel's pace, and calls held back by their method's Retry-After or
   * allowance, are picked up the moment it ends, not at the next poll.
   */
  private wakeWhenPaceEnds(): void {
    const next = this.pace.nextEnd();
    if (next !== undefined) setTimeout(() => this.wake(), next - performance.now() + 1).unref();
  }

  /** Sends one row; false when it had to wait for its channel's pace (it is released, not failed). */
  private async send(job: OutboxJob, held: Set<string>): Promise<boolean> {
    const posts = METHOD_OF[job.kind] === 'chat.postMessage';
    // Claimed before its channel's pace, its method's Retry-After or its allowance said to wait.
    const waitMs = this.pace.waitFor(job, held);
    if (waitMs > 0) {
      if (posts) held.add(job.channel);
      await this.o.store.releaseOutbox({ id: job.id, ...fenceOf(job) });
      setTimeout(() => this.wake(), waitMs).unref();
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
      this.pace.posted(job);
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
    if (failure.type === 'rate_limited') this.pace.rateLimited(job, waitMs);
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

/** The lease a job was claimed under goes back with every write about it (see OutboxRowBase.token). */
function fenceOf(job: OutboxJob): { token?: number } {
  return job.token === undefined ? {} : { token: job.token };
}

/** 1 s, 2 s, 4 s … up to 5 minutes. */
function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** attempts, 5 * 60_000);
}

import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { Observer } from '../services/observer.js';
import type { OutboxJob } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import { renderDigest } from './blocks/digest.js';
import { renderEscalationBoard } from './blocks/escalation-board.js';
import { renderExceptionMessage, renderMovedMessage, type SlackMessage } from './blocks/exception-message.js';
import { renderGroupMessage } from './blocks/group-message.js';
import { renderSilenceNote } from './blocks/silence-note.js';
import { renderJoinedStorm } from './blocks/storm-pointer.js';
import { renderEscalation, renderThreadNote } from './blocks/thread-note.js';
import { renderWeeklyDigest } from './blocks/weekly-digest.js';
import { jobFields } from './outbox-log.js';
import { peopleNamedIn } from './people-named.js';
import { Permalinks } from './permalinks.js';
import { findPostedMessage, outboxMetadata } from './posted-lookup.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';
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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastFailure: { at: number; reason: string } | undefined;
  private abandonedReleased = false;
  private readonly permalinks: Permalinks;

  constructor(private readonly o: OutboxWorkerOptions) {
    this.permalinks = new Permalinks(o.client);
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

  /** Posts held back by a channel's pace are picked up the moment it ends, not at the next poll. */
  private wakeWhenPaceEnds(): void {
    const now = performance.now();
    const next = Math.min(...[...this.nextPostAt.values()].filter((at) => at > now));
    if (Number.isFinite(next)) setTimeout(() => this.wake(), next - now + 1).unref();
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
    const posts = !['update', 'moved', 'group_update', 'joined', 'board_update', 'ephemeral'].includes(
      job.kind,
    );
    const waitMs = (this.nextPostAt.get(job.channel) ?? 0) - performance.now();
    if (posts && (waitMs > 0 || held.has(job.channel))) {
      held.add(job.channel);
      await this.o.store.releaseOutbox({ id: job.id, ...fenceOf(job) });
      setTimeout(() => this.wake(), Math.max(waitMs, 0)).unref();
      return false;
    }
    try {
      const found = posts && job.inDoubt ? await this.alreadyPosted(job) : undefined;
      if (found !== undefined) {
        this.o.logger.warn(
          `Slack ${job.kind} to ${job.channel} had already been posted; not posting it again`,
          jobFields(job),
        );
        this.lastFailure = undefined;
        await this.o.store.completeOutbox({ id: job.id, at: this.o.clock.now(), ts: found, ...fenceOf(job) });
        return true;
      }
      const ts = await this.call(job);
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
   * The message an in-doubt row already posted, if Slack has it. A lookup that fails for now fails
   * the row for now (it stays in doubt); one that can never work (no history scope, say) lets the
   * row be posted: a rare duplicate is better than a lost exception.
   */
  private async alreadyPosted(job: OutboxJob): Promise<string | undefined> {
    const threadTs = job.kind === 'thread' ? job.exception.slackTs : undefined;
    try {
      return await findPostedMessage(this.o.client, {
        channel: job.channel,
        outboxId: job.id,
        ...(threadTs !== undefined && { threadTs }),
      });
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.type !== 'permanent') throw new LookupFailedError(failure);
      this.o.logger.warn(
        `cannot check whether ${job.kind} to ${job.channel} was posted (${failure.reason})`,
        jobFields(job),
      );
      return undefined;
    }
  }

  /** The Slack call for one row; resolves to the new message's ts for a root post. */
  private async call(job: OutboxJob): Promise<string | undefined> {
    const { client } = this.o;
    if (job.kind === 'ephemeral') {
      await client.chat.postEphemeral({
        channel: job.channel,
        user: job.user,
        text: job.text,
        ...(job.blocks && { blocks: job.blocks as never }),
      });
      return undefined;
    }
    if (job.kind === 'post') {
      const message = renderExceptionMessage(job.exception);
      const reply = await client.chat.postMessage({ ...postingOf(job), ...message });
      return reply.ts;
    }
    if (job.kind === 'digest') {
      await client.chat.postMessage({ ...postingOf(job), ...renderDigest(job.facts) });
      return undefined;
    }
    if (job.kind === 'weekly_digest') {
      await client.chat.postMessage({ ...postingOf(job), ...renderWeeklyDigest(job.facts) });
      return undefined;
    }
    if (job.kind === 'silence') {
      await client.chat.postMessage({
        ...postingOf(job),
        ...renderSilenceNote(job.note, this.o.names.nameOf),
      });
      return undefined;
    }
    if (job.kind === 'group_post') {
      const reply = await client.chat.postMessage({ ...postingOf(job), ...renderGroupMessage(job.group) });
      return reply.ts;
    }
    if (job.kind === 'group_update') {
      if (job.group.slackTs === undefined) throw new RootMissingError();
      return this.updateOrRepost(job, job.group.slackTs, renderGroupMessage(job.group));
    }
    if (job.kind === 'board_post' || job.kind === 'board_update') return this.sendBoard(job);
    if (job.kind === 'joined') {
      // Its post never went out after all: there is no message to redraw.
      if (job.exception.slackTs === undefined) return undefined;
      const permalink = await this.permalinkOf(job.group);
      const pointer = renderJoinedStorm(job.exception, job.group, { ...(permalink && { permalink }) });
      await client.chat.update({ channel: job.channel, ts: job.exception.slackTs, ...pointer });
      return undefined;
    }
    if (job.kind === 'escalate') {
      const permalink = await this.permalinkOf(job.exception);
      const post = renderEscalation(job.exception, {
        waitedMs: job.waitedMs,
        ...(permalink && { permalink }),
      });
      await client.chat.postMessage({ ...postingOf(job), ...post });
      return undefined;
    }
    if (job.kind === 'moved') {
      const moved = renderMovedMessage(job.exception, job.actor);
      await client.chat.update({ channel: job.channel, ts: job.ts, ...moved });
      return undefined;
    }
    const rootTs = job.exception.slackTs;
    if (rootTs === undefined) throw new RootMissingError();
    if (job.kind === 'update') return this.updateOrRepost(job, rootTs, renderExceptionMessage(job.exception));
    const note = renderThreadNote(job.note, job.exception, this.o.names.nameOf);
    await client.chat.postMessage({ ...postingOf(job), thread_ts: rootTs, ...note });
    return undefined;
  }

  private async permalinkOf(message: { channel: string; slackTs?: string }): Promise<string | undefined> {
    if (message.slackTs === undefined) return undefined;
    return this.permalinks.of(message.channel, message.slackTs);
  }

  /** A team's escalation board: posted once, then updated in place; resolves to the post's ts. */
  private async sendBoard(
    job: Extract<OutboxJob, { kind: 'board_post' | 'board_update' }>,
  ): Promise<string | undefined> {
    const permalinkOf = await this.permalinks.forBoard(job.board);
    const message = renderEscalationBoard(job.board, { now: this.o.clock.now(), permalinkOf });
    if (job.kind === 'board_post') {
      const reply = await this.o.client.chat.postMessage({ ...postingOf(job), ...message });
      return reply.ts;
    }
    if (job.board.slackTs === undefined) throw new RootMissingError();
    return this.updateOrRepost(job, job.board.slackTs, message);
  }

  /**
   * Edits a living message in place. When Slack no longer has it (someone deleted it), it is posted
   * afresh and resolves to the new ts, which the store records in place of the old one: a deleted
   * message must not leave an open exception with nowhere to be seen or acted on.
   */
  private async updateOrRepost(
    job: OutboxJob,
    ts: string,
    message: SlackMessage,
  ): Promise<string | undefined> {
    try {
      await this.o.client.chat.update({ channel: job.channel, ts, ...message });
      return undefined;
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.type !== 'permanent' || failure.reason !== 'message_not_found') throw error;
      this.o.observer?.slackCallFailed('chat.update', failure.reason);
      this.o.logger.warn(`Slack ${job.kind} to ${job.channel}: message ${ts} is gone; posting it afresh`);
      const reply = await this.o.client.chat.postMessage({ ...postingOf(job), ...message });
      return reply.ts;
    }
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
    if (failure.type === 'permanent' || job.attempts + 1 >= (this.o.maxAttempts ?? 12)) {
      this.o.logger.error(`Slack ${job.kind} to ${job.channel} given up: ${failure.reason}`, jobFields(job));
      return this.o.store.failOutbox({ id: job.id, error: failure.reason, ...fenceOf(job) });
    }
    const waitMs = failure.type === 'rate_limited' ? failure.retryAfterMs : backoffMs(job.attempts);
    if (failure.type === 'rate_limited') this.nextPostAt.set(job.channel, performance.now() + waitMs);
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

/** The Web API method each outbox kind calls (for the error metric). */
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

/** The look for an in-doubt post failed for now; the row is retried as if its post had. */
class LookupFailedError extends Error {
  constructor(readonly failure: Exclude<SlackFailure, { type: 'permanent' }>) {
    super(failure.reason);
  }
}

/** The lease a job was claimed under goes back with every write about it (see OutboxRowBase.token). */
function fenceOf(job: OutboxJob): { token?: number } {
  return job.token === undefined ? {} : { token: job.token };
}

/** What every post shares: its channel, no link previews, and its outbox id for the in-doubt lookup. */
function postingOf(job: OutboxJob) {
  return { channel: job.channel, unfurl_links: false, metadata: outboxMetadata(job.id) };
}

class RootMissingError extends Error {
  constructor() {
    super('the root message was never posted');
  }
}

/** 1 s, 2 s, 4 s … up to 5 minutes. */
function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** attempts, 5 * 60_000);
}

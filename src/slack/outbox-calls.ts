import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { Observer } from '../services/observer.js';
import type { OutboxJob } from '../store/exception-types.js';
import { renderDigest } from './blocks/digest.js';
import { renderEscalationBoard } from './blocks/escalation-board.js';
import { renderExceptionMessage, renderMovedMessage, type SlackMessage } from './blocks/exception-message.js';
import { renderGroupMessage } from './blocks/group-message.js';
import { renderSilenceNote } from './blocks/silence-note.js';
import { renderJoinedStorm } from './blocks/storm-pointer.js';
import { renderEscalation, renderThreadNote } from './blocks/thread-note.js';
import { renderWeeklyDigest } from './blocks/weekly-digest.js';
import { jobFields } from './outbox-log.js';
import { Permalinks } from './permalinks.js';
import { findPostedMessage, outboxMetadata } from './posted-lookup.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';
import type { UserNames } from './user-names.js';

/**
 * What each kind of outbox row asks of Slack's Web API, rendered from the state the row carries
 * at send time. Retries, pacing and giving up are the worker's (outbox-worker.ts); this only calls.
 */
export class OutboxCalls {
  private readonly permalinks: Permalinks;

  constructor(
    private readonly o: {
      client: WebClient;
      clock: Clock;
      logger: Logger;
      names: UserNames;
      observer?: Observer;
    },
  ) {
    this.permalinks = new Permalinks(o.client);
  }

  /**
   * The message an in-doubt row already posted, if Slack has it. A lookup that fails for now fails
   * the row for now (it stays in doubt); one that can never work (no history scope, say) lets the
   * row be posted: a rare duplicate is better than a lost exception.
   */
  async alreadyPosted(job: OutboxJob): Promise<string | undefined> {
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
  async send(job: OutboxJob): Promise<string | undefined> {
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
}

/** The look for an in-doubt post failed for now; the row is retried as if its post had. */
export class LookupFailedError extends Error {
  constructor(readonly failure: Exclude<SlackFailure, { type: 'permanent' }>) {
    super(failure.reason);
  }
}

/** A row that edits or answers a message that was never posted: it can never succeed. */
export class RootMissingError extends Error {
  constructor() {
    super('the root message was never posted');
  }
}

/** What every post shares: its channel, no link previews, and its outbox id for the in-doubt lookup. */
function postingOf(job: OutboxJob) {
  return { channel: job.channel, unfurl_links: false, metadata: outboxMetadata(job.id) };
}

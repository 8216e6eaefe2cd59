import type { DuePolicy } from '../../domain/due-policy.js';
import { placeNewException, stormWindowStart } from '../../domain/grouping.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { NEXT_STATE } from '../shared/exception-plans.js';
import type { GroupAction } from '../shared/handoff-plans.js';
import {
  alonePostDueAt,
  type CandidateRow,
  joinRedraw,
  type Redraw,
  toStormCandidate,
} from '../shared/outbox-plans.js';
import type { BoardWriter } from './board-writer.js';
import type { Tx } from './connection.js';
import type { OutboxQueue } from './outbox-queue.js';

/**
 * Storm grouping: when like exceptions pile up within the window they join one group message. Which
 * ones, and when, is domain/grouping.ts; this persists it. Placements of one group key are taken one
 * at a time across instances (a transaction-scoped advisory lock on the key), so two instances never
 * form two storms of one kind.
 */
export class GroupWriter {
  constructor(
    private readonly outbox: OutboxQueue,
    private readonly policy: DuePolicy,
    private readonly boards: BoardWriter,
  ) {}

  /**
   * Places a newly opened exception: into the live group of its kind, into a new group when it
   * completes a storm, or on its own (its post then waits a moment, so a storm's first can still join).
   */
  async place(
    tx: Tx,
    exceptionId: number,
    groupKey: string | undefined,
    channel: string,
    now: number,
  ): Promise<void> {
    const { grouping } = this.policy;
    const since = stormWindowStart(grouping, now);
    // The lock and both reads go in one round trip; the reads run once the lock is held.
    const [, live, rows] =
      groupKey === undefined
        ? [undefined, undefined, []]
        : await Promise.all([
            // Sent now (queries otherwise start when awaited): the lock goes first.
            tx`SELECT pg_advisory_xact_lock(hashtext(${`storm:${groupKey}`}))`.execute(),
            this.liveGroup(tx, groupKey, since),
            this.candidates(tx, groupKey, since, now),
          ]);
    const candidates = live === undefined ? rows.map(toStormCandidate) : [];
    const placement = placeNewException(
      grouping,
      { id: exceptionId, groupKey },
      { ...(live && { liveGroupId: live.id }), candidates },
      now,
    );
    if (placement.type === 'alone') {
      await this.outbox.post(tx, exceptionId, channel, alonePostDueAt(placement, grouping.waitMs, now));
      return;
    }
    if (placement.type === 'join' && live !== undefined) {
      const redraw = joinRedraw(exceptionId, live.last_member);
      await Promise.all([
        this.join(tx, live.id, [exceptionId]),
        this.changed(tx, live.id, live.channel, now, redraw),
        this.boards.stormChanged(tx, live.id, live.team, now, redraw),
      ]);
      return;
    }
    if (placement.type !== 'form') return;
    const [group] = await tx<{ id: number }[]>`
      INSERT INTO exception_groups (group_key, kind, stage, step, error_code, team, channel, first_seen_at)
      SELECT group_key, kind, stage, step, error_code, team, channel, first_seen_at
      FROM exceptions WHERE id = ${exceptionId} RETURNING id`;
    if (group === undefined) throw new Error(`exception ${exceptionId} vanished while forming its storm`);
    const ids = placement.members.map((m) => m.id);
    const pointers = placement.members.filter((m) => m.pointToStorm);
    // Sent together, in this order: the storm's post before the pointers, so each waits for the
    // message it links to. What members were still to send on their own is dropped; a call under
    // way (or in doubt) is let finish.
    await Promise.all([
      this.join(tx, group.id, ids),
      tx`UPDATE outbox SET state = 'superseded' WHERE exception_id = ANY(${ids}::bigint[])
        AND state = 'pending' AND kind IN ('post', 'update', 'thread') AND claimed_until <= ${now} AND in_doubt = 0`.execute(),
      this.outbox.groupPost(tx, group.id, channel, now),
      ...pointers.map(({ id }) => this.outbox.joinedStorm(tx, id, group.id, channel, now)),
    ]);
  }

  /**
   * A storm lives while a member is unresolved, or one was raised within the window: failures that
   * keep coming and keep recovering (retries that work) stay one message while the incident lasts.
   */
  private async liveGroup(tx: Tx, groupKey: string, since: number) {
    const [live] = await tx<{ id: number; channel: string; team: string; last_member: number }[]>`
      SELECT g.id, g.channel, g.team, (SELECT max(id) FROM exceptions WHERE group_id = g.id) AS last_member
      FROM exception_groups g WHERE g.group_key = ${groupKey} AND EXISTS
        (SELECT 1 FROM exceptions e WHERE e.group_id = g.id AND (e.state != 'resolved' OR e.raised_at >= ${since}))
      ORDER BY g.id DESC LIMIT 1`;
    return live;
  }

  /** Ungrouped and raised within the window, with whether its own post is being sent or in doubt. */
  private candidates(tx: Tx, groupKey: string, since: number, now: number): Promise<CandidateRow[]> {
    return tx<CandidateRow[]>`
      SELECT e.id, e.raised_at, e.state, e.assignee, e.slack_ts, EXISTS (SELECT 1 FROM outbox o
          WHERE o.exception_id = e.id AND o.kind = 'post' AND o.state = 'pending'
            AND (o.claimed_until > ${now} OR o.in_doubt = 1)) AS post_under_way
      FROM exceptions e WHERE e.group_key = ${groupKey} AND e.group_id IS NULL AND e.raised_at >= ${since}`;
  }

  /** Members are escalated as a storm (see the sweeps), and not reminded one by one. */
  private async join(tx: Tx, groupId: number, ids: number[]): Promise<void> {
    await tx`UPDATE exceptions SET group_id = ${groupId}, remind_at = NULL WHERE id = ANY(${ids}::bigint[])`;
  }

  /** A member changed: the group's message is drawn again (and clicks on the old drawing go stale). */
  async changed(
    tx: Tx,
    groupId: number,
    channel: string,
    now: number,
    redraw: Redraw = 'now',
  ): Promise<void> {
    // A paced change (a member joined or repeated) leaves earlier drawings' clicks good: their
    // buttons act only on the members they showed (GroupActionInput.upTo).
    await Promise.all([
      redraw === 'now' && tx`UPDATE exception_groups SET revision = revision + 1 WHERE id = ${groupId}`,
      this.outbox.rerenderGroup(tx, groupId, channel, now, redraw),
    ]);
  }

  /**
   * The storm's revision, and where its message and board are; its row locked until the transaction
   * ends (a storm-wide action holds it).
   */
  async lockState(
    tx: Tx,
    groupId: number,
  ): Promise<{ revision: number; channel: string; team: string } | undefined> {
    const [row] = await tx<{ revision: number; channel: string; team: string }[]>`
      SELECT revision, channel, team FROM exception_groups WHERE id = ${groupId} FOR UPDATE`;
    return row;
  }

  /**
   * The members a storm-wide action applies to (in a state it moves from: "Acknowledge all" the open,
   * "Resolve all" the live), locked, in id order.
   */
  members(
    tx: Tx,
    groupId: number,
    action: GroupAction,
    upTo = Number.MAX_SAFE_INTEGER,
  ): Promise<ExceptionRow[]> {
    return tx<ExceptionRow[]>`SELECT * FROM exceptions WHERE group_id = ${groupId}
      AND state = ANY(${[...NEXT_STATE[action].from]}::text[]) AND id <= ${upTo} ORDER BY id FOR UPDATE`;
  }
}

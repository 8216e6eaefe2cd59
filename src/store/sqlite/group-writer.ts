import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import { placeNewException, stormWindowStart } from '../../domain/grouping.js';
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
import type { OutboxWriter } from './outbox-writer.js';

/** What a storm-wide click checks and where its redraws go. */
export interface StormState {
  revision: number;
  channel: string;
  team: string;
}

/**
 * Storm grouping: when like exceptions pile up within the window, posted alone or not, they join one
 * group message, and later ones join the live group instead of posting their own. Which ones, and
 * when, is domain/grouping.ts; this persists it.
 */
export class GroupWriter {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly outbox: OutboxWriter,
    private readonly policy: DuePolicy,
    private readonly boards: BoardWriter,
  ) {
    this.s = {
      // A storm lives while a member is unresolved, or one was raised within the window: failures that
      // keep coming and keep recovering (retries that work) stay one message while the incident lasts.
      liveGroup: db.prepare<
        [string, number],
        { id: number; channel: string; team: string; last_member: number }
      >(
        `SELECT g.id, g.channel, g.team, (SELECT max(id) FROM exceptions WHERE group_id = g.id) AS last_member
         FROM exception_groups g WHERE g.group_key = ? AND EXISTS
           (SELECT 1 FROM exceptions e WHERE e.group_id = g.id AND (e.state != 'resolved' OR e.raised_at >= ?))
         ORDER BY g.id DESC LIMIT 1`,
      ),
      // Live, ungrouped and raised within the window. Its own message exists, or may: posted, being
      // posted right now, or posted in doubt (a restart cut the call off); such a post is not dropped.
      candidates: db.prepare<
        [number, string, number],
        Omit<CandidateRow, 'post_under_way'> & { post_under_way: 0 | 1 }
      >(
        `SELECT e.id, e.raised_at, e.state, e.assignee, e.slack_ts, EXISTS (SELECT 1 FROM outbox o
             WHERE o.exception_id = e.id AND o.kind = 'post' AND o.state = 'pending'
               AND (o.claimed_until > ? OR o.in_doubt = 1)) AS post_under_way
         FROM exceptions e WHERE e.group_key = ? AND e.group_id IS NULL AND e.raised_at >= ?`,
      ),
      createGroup:
        db.prepare(`INSERT INTO exception_groups (group_key, kind, stage, step, error_code, team, channel,
          first_seen_at) SELECT group_key, kind, stage, step, error_code, team, channel, first_seen_at
          FROM exceptions WHERE id = ?`),
      // Members are escalated as a storm (see SweepWriter), and not reminded one by one.
      join: db.prepare('UPDATE exceptions SET group_id = ?, remind_at = NULL WHERE id = ?'),
      // What it was still to send on its own; a call under way (or in doubt) is let finish.
      cancelOwnWrites: db.prepare(
        `UPDATE outbox SET state = 'superseded' WHERE exception_id = ? AND state = 'pending'
           AND kind IN ('post', 'update', 'thread') AND claimed_until <= ? AND in_doubt = 0`,
      ),
      bumpGroup: db.prepare('UPDATE exception_groups SET revision = revision + 1 WHERE id = ?'),
      storm: db.prepare<[number], StormState>(
        'SELECT revision, channel, team FROM exception_groups WHERE id = ?',
      ),
      // In a state the action moves from (shared/exception-plans.ts NEXT_STATE), in id order.
      members: db.prepare<[number, string, number], { id: number }>(
        'SELECT id FROM exceptions WHERE group_id = ? AND state IN (SELECT value FROM json_each(?)) AND id <= ? ORDER BY id',
      ),
    };
  }

  /**
   * Places a newly opened exception: into the live group of its kind, into a new group when it
   * completes a storm, or on its own (its post then waits a moment, so a storm's first can still join).
   */
  place(exceptionId: number, groupKey: string | undefined, channel: string, now: number): void {
    const { grouping } = this.policy;
    const since = stormWindowStart(grouping, now);
    const live = groupKey === undefined ? undefined : this.s.liveGroup.get(groupKey, since);
    const candidates =
      groupKey === undefined || live !== undefined
        ? []
        : this.s.candidates
            .all(now, groupKey, since)
            .map((row) => toStormCandidate({ ...row, post_under_way: row.post_under_way === 1 }));
    const placement = placeNewException(
      grouping,
      { id: exceptionId, groupKey },
      { ...(live && { liveGroupId: live.id }), candidates },
      now,
    );
    if (placement.type === 'alone') {
      this.outbox.post(exceptionId, channel, alonePostDueAt(placement, grouping.waitMs, now));
      return;
    }
    if (placement.type === 'join' && live !== undefined) {
      this.s.join.run(live.id, exceptionId);
      const redraw = joinRedraw(exceptionId, live.last_member);
      this.changed(live.id, live.channel, now, redraw);
      this.boards.stormChanged(live.id, live.team, now, redraw);
      return;
    }
    if (placement.type !== 'form') return;
    const groupId = Number(this.s.createGroup.run(exceptionId).lastInsertRowid);
    for (const { id } of placement.members) {
      this.s.join.run(groupId, id);
      this.s.cancelOwnWrites.run(id, now);
    }
    this.outbox.groupPost(groupId, channel, now);
    // After the storm's post, so each pointer waits for the message it links to.
    for (const { id, pointToStorm } of placement.members)
      if (pointToStorm) this.outbox.joinedStorm(id, groupId, channel, now);
  }

  /** A member changed: the group's message is drawn again (and, unless paced, clicks on the old drawing go stale). */
  changed(groupId: number, channel: string, now: number, redraw: Redraw = 'now'): void {
    // A paced change (a member joined or repeated) leaves earlier drawings' clicks good: their
    // buttons act only on the members they showed (GroupActionInput.upTo).
    if (redraw === 'now') this.s.bumpGroup.run(groupId);
    this.outbox.rerenderGroup(groupId, channel, now, redraw);
  }

  /** The storm's revision, and where its message and board are. */
  stateOf(groupId: number): StormState | undefined {
    return this.s.storm.get(groupId);
  }

  /**
   * The members a storm-wide action applies to: "Acknowledge all" the open, "Resolve all" the live,
   * up to the newest member the clicked drawing showed.
   */
  members(groupId: number, action: GroupAction, upTo = Number.MAX_SAFE_INTEGER): number[] {
    const from = JSON.stringify(NEXT_STATE[action].from);
    return this.s.members.all(groupId, from, upTo).map((row) => row.id);
  }
}

import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import type { OutboxWriter } from './outbox-writer.js';

/**
 * Storm grouping: when like exceptions pile up, the ones not yet posted join one group message,
 * and later ones join the live group instead of posting their own.
 */
export class GroupWriter {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly outbox: OutboxWriter,
    private readonly policy: DuePolicy,
  ) {
    this.s = {
      liveGroup: db.prepare<[string], { id: number; channel: string }>(
        `SELECT g.id, g.channel FROM exception_groups g WHERE g.group_key = ? AND EXISTS
           (SELECT 1 FROM exceptions e WHERE e.group_id = g.id AND e.state != 'resolved') ORDER BY g.id DESC LIMIT 1`,
      ),
      // Recent, live, ungrouped, still waiting for their own post and not being posted at this moment
      // (a post in flight would land beside the group): these can still join quietly.
      joinable: db.prepare<[string, number, number], { id: number }>(
        `SELECT e.id FROM exceptions e WHERE e.group_key = ? AND e.state != 'resolved' AND e.group_id IS NULL
           AND e.raised_at >= ? AND e.slack_ts IS NULL
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.exception_id = e.id AND o.kind = 'post'
                           AND o.state = 'pending' AND o.claimed_until > ?)`,
      ),
      createGroup:
        db.prepare(`INSERT INTO exception_groups (group_key, kind, stage, step, error_code, team, channel,
          first_seen_at) SELECT group_key, kind, stage, step, error_code, team, channel, first_seen_at
          FROM exceptions WHERE id = ?`),
      // Members are escalated as a storm (see SweepWriter), and not reminded one by one.
      join: db.prepare('UPDATE exceptions SET group_id = ?, remind_at = NULL WHERE id = ?'),
      cancelOwnPost: db.prepare(
        "UPDATE outbox SET state = 'superseded' WHERE exception_id = ? AND state = 'pending' AND kind IN ('post', 'update', 'thread')",
      ),
      bumpGroup: db.prepare('UPDATE exception_groups SET revision = revision + 1 WHERE id = ?'),
      revision: db.prepare<[number], { revision: number }>(
        'SELECT revision FROM exception_groups WHERE id = ?',
      ),
      openMembers: db.prepare<[number], { id: number }>(
        "SELECT id FROM exceptions WHERE group_id = ? AND state = 'open'",
      ),
      liveMembers: db.prepare<[number], { id: number }>(
        "SELECT id FROM exceptions WHERE group_id = ? AND state != 'resolved'",
      ),
    };
  }

  /**
   * Places a newly opened exception: into the live group of its kind, into a new group when it
   * completes a storm, or on its own (its post then waits a moment, so a storm's first can still join).
   */
  place(exceptionId: number, groupKey: string | undefined, channel: string, now: number): void {
    const { min, windowMs, waitMs } = this.policy.grouping;
    if (groupKey === undefined || min < 2) {
      this.outbox.post(exceptionId, channel, now);
      return;
    }
    const live = this.s.liveGroup.get(groupKey);
    if (live) {
      this.s.join.run(live.id, exceptionId);
      this.outbox.rerenderGroup(live.id, live.channel, now);
      return;
    }
    const joinable = this.s.joinable.all(groupKey, now - windowMs, now);
    if (joinable.length + 1 < min) {
      this.outbox.post(exceptionId, channel, now + waitMs);
      return;
    }
    const groupId = Number(this.s.createGroup.run(exceptionId).lastInsertRowid);
    for (const { id } of [...joinable, { id: exceptionId }]) {
      this.s.join.run(groupId, id);
      this.s.cancelOwnPost.run(id);
    }
    this.outbox.groupPost(groupId, channel, now);
  }

  /** A member changed: the group's message is drawn again (and clicks on the old drawing go stale). */
  changed(groupId: number, channel: string, now: number): void {
    this.s.bumpGroup.run(groupId);
    this.outbox.rerenderGroup(groupId, channel, now);
  }

  revisionOf(groupId: number): number | undefined {
    return this.s.revision.get(groupId)?.revision;
  }

  openMembers(groupId: number): number[] {
    return this.s.openMembers.all(groupId).map((row) => row.id);
  }

  /** Open and acknowledged: what "Resolve all" settles. */
  liveMembers(groupId: number): number[] {
    return this.s.liveMembers.all(groupId).map((row) => row.id);
  }
}

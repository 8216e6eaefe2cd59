import type Database from 'better-sqlite3';
import type { DigestFacts } from '../../domain/digest.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { OutboxJob, ThreadNote } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import {
  boardTeamOf,
  claimedInDoubt,
  type JobSources,
  type OutboxRow,
  toOutboxJob,
} from '../shared/outbox-jobs.js';
import { POSTING_KIND_LIST, waitsForNothingEarlier } from '../shared/outbox-order.js';
import {
  type LastDraw,
  pacedRedrawDueAt,
  REPEATS_PAYLOAD,
  type Redraw,
  repeatNoteDueAt,
} from '../shared/outbox-plans.js';
import { tsTargetOf } from '../shared/outbox-ts.js';
import type { SilenceNote } from '../silence-types.js';
import type { EphemeralInput } from '../store.js';
import { BoardReader } from './board-reader.js';
import { GroupReader } from './group-reader.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Outbox rows: written in the transaction of the change that causes them, sent later by the
 * outbox worker, which renders each message from the exception's state at that moment.
 */
export class OutboxWriter {
  private readonly s;

  /** What claimed rows are drawn from, read in the claim's transaction. */
  private readonly sources: JobSources;

  constructor(private readonly db: Database.Database) {
    const groups = new GroupReader(db);
    const boards = new BoardReader(db);
    const exception = db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?');
    this.sources = {
      exception: (id) => {
        const row = exception.get(id);
        return row && toException(row);
      },
      group: (id) => groups.load(id),
      board: (team) => boards.load(team),
    };
    this.s = {
      insert: db.prepare(
        `INSERT INTO outbox (exception_id, kind, channel, payload, state, due_at, created_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
      ),
      insertWithGroup: db.prepare(
        `INSERT INTO outbox (exception_id, group_id, kind, channel, payload, state, due_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ),
      // Pending and not being sent right now: a row already claimed was rendered before this change.
      pendingOf: db.prepare<[number, string, number], { id: number }>(
        "SELECT id FROM outbox WHERE exception_id = ? AND kind = ? AND state = 'pending' AND claimed_until <= ? LIMIT 1",
      ),
      // The latest by id through (exception_id, kind): a seek, however many redraws went before.
      lastDraw: db.prepare<[number], LastDraw>(
        "SELECT sent_at, claimed_until FROM outbox WHERE exception_id = ? AND kind IN ('post', 'update') ORDER BY id DESC LIMIT 1",
      ),
      lastGroupDraw: db.prepare<[number], LastDraw>(
        "SELECT sent_at, claimed_until FROM outbox WHERE group_id = ? AND kind IN ('group_post', 'group_update') ORDER BY id DESC LIMIT 1",
      ),
      hurry: db.prepare('UPDATE outbox SET due_at = min(due_at, ?) WHERE id = ?'),
      pendingRepeatNote: db.prepare<[number, string], { id: number }>(
        "SELECT id FROM outbox WHERE exception_id = ? AND kind = 'thread' AND state = 'pending' AND payload = ? LIMIT 1",
      ),
      lastRepeatNote: db.prepare<[number, string], { sent_at: number | null }>(
        "SELECT max(sent_at) AS sent_at FROM outbox WHERE exception_id = ? AND kind = 'thread' AND payload = ?",
      ),
      // In order per message (shared/outbox-order.ts). Channels still inside their posting pace are
      // left out, so one busy channel starves no other.
      due: db.prepare<{ now: number; paced: string; limit: number }, OutboxRow>(
        `SELECT id, exception_id, group_id, kind, channel, payload, attempts, in_doubt, claimed_until FROM outbox o
         WHERE state = 'pending' AND due_at <= @now AND claimed_until <= @now
           AND NOT (kind IN (${POSTING_KIND_LIST}) AND channel IN (SELECT value FROM json_each(@paced)))
           AND ${waitsForNothingEarlier('@now')}
         ORDER BY due_at, id LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE outbox SET claimed_until = ?, in_doubt = ? WHERE id = ?'),
      abandoned: db.prepare(
        "UPDATE outbox SET claimed_until = 0, in_doubt = 1 WHERE state = 'pending' AND claimed_until > 0",
      ),
      sent: db.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, claimed_until = 0 WHERE id = ?"),
      sentRow: db.prepare<[number], Pick<OutboxRow, 'kind' | 'exception_id' | 'group_id' | 'payload'>>(
        'SELECT kind, exception_id, group_id, payload FROM outbox WHERE id = ?',
      ),
      exceptionTs: db.prepare('UPDATE exceptions SET slack_ts = ? WHERE id = ?'),
      groupTs: db.prepare('UPDATE exception_groups SET slack_ts = ? WHERE id = ?'),
      boardTs: db.prepare('UPDATE escalation_boards SET slack_ts = ? WHERE team = ?'),
      boardDrawn: db.prepare('UPDATE escalation_boards SET drawn_at = ? WHERE team = ?'),
      insertForGroup: db.prepare(
        `INSERT INTO outbox (group_id, kind, channel, payload, state, due_at, created_at)
         VALUES (?, ?, ?, '{}', 'pending', ?, ?)`,
      ),
      pendingOfGroup: db.prepare<[number, string, number], { id: number }>(
        "SELECT id FROM outbox WHERE group_id = ? AND kind = ? AND state = 'pending' AND claimed_until <= ? LIMIT 1",
      ),
      retry: db.prepare(
        'UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ?, claimed_until = 0, in_doubt = in_doubt OR ? WHERE id = ?',
      ),
      supersede: db.prepare(
        "UPDATE outbox SET state = 'superseded' WHERE exception_id = ? AND state = 'pending' AND kind IN ('update', 'thread')",
      ),
      release: db.prepare('UPDATE outbox SET claimed_until = 0 WHERE id = ?'),
      unsentPost: db.prepare<[number, number], { id: number }>(
        `SELECT id FROM outbox WHERE exception_id = ? AND kind = 'post' AND state = 'pending'
           AND claimed_until <= ? AND in_doubt = 0 LIMIT 1`,
      ),
      dropUnsent: db.prepare(
        "UPDATE outbox SET state = 'superseded' WHERE exception_id = ? AND state = 'pending' AND kind IN ('post', 'update', 'thread')",
      ),
      failed: db.prepare(
        "UPDATE outbox SET state = 'failed', last_error = ?, claimed_until = 0 WHERE id = ?",
      ),
    };
  }

  post(exceptionId: number, channel: string, now: number): void {
    this.s.insert.run(exceptionId, 'post', channel, '{}', now, now);
  }

  /**
   * Drops an exception's own post, and whatever waited behind it, when the post has not gone out
   * and is not going out now (nor may have: in doubt). True when it was dropped.
   */
  dropUnsentPost(exceptionId: number, now: number): boolean {
    if (!this.s.unsentPost.get(exceptionId, now)) return false;
    this.s.dropUnsent.run(exceptionId);
    return true;
  }

  /**
   * Asks for the root message to be rendered again; one pending re-render (or the post itself) is
   * enough, brought forward when this one is wanted now.
   */
  rerender(exceptionId: number, channel: string, now: number, redraw: Redraw = 'now'): void {
    const pending = this.s.pendingOf.get(exceptionId, 'update', now);
    if (pending !== undefined && redraw === 'now') this.s.hurry.run(now, pending.id);
    if (pending !== undefined || this.s.pendingOf.get(exceptionId, 'post', now)) return;
    const dueAt = redraw === 'now' ? now : pacedRedrawDueAt(this.s.lastDraw.get(exceptionId), now);
    this.s.insert.run(exceptionId, 'update', channel, '{}', dueAt, now);
  }

  /** With `groupId`, the note belongs in the storm's thread rather than the member's own (it has none). */
  threadNote(exceptionId: number, channel: string, note: ThreadNote, now: number, groupId?: number): void {
    if (groupId === undefined)
      this.s.insert.run(exceptionId, 'thread', channel, JSON.stringify(note), now, now);
    else this.s.insertWithGroup.run(exceptionId, groupId, 'thread', channel, JSON.stringify(note), now, now);
  }

  /** Batches repeats: one pending note at a time, and no sooner than the shared interval after the last. */
  repeatNote(exceptionId: number, channel: string, now: number): void {
    const dueAt = repeatNoteDueAt(
      {
        pending: this.s.pendingRepeatNote.get(exceptionId, REPEATS_PAYLOAD) !== undefined,
        lastSentAt: this.s.lastRepeatNote.get(exceptionId, REPEATS_PAYLOAD)?.sent_at ?? null,
      },
      now,
    );
    if (dueAt !== undefined) this.s.insert.run(exceptionId, 'thread', channel, REPEATS_PAYLOAD, dueAt, now);
  }

  groupPost(groupId: number, channel: string, now: number): void {
    this.s.insertForGroup.run(groupId, 'group_post', channel, now, now);
  }

  /** Like `rerender`, for a group's message. */
  rerenderGroup(groupId: number, channel: string, now: number, redraw: Redraw = 'now'): void {
    const pending = this.s.pendingOfGroup.get(groupId, 'group_update', now);
    if (pending !== undefined && redraw === 'now') this.s.hurry.run(now, pending.id);
    if (pending !== undefined || this.s.pendingOfGroup.get(groupId, 'group_post', now)) return;
    const dueAt = redraw === 'now' ? now : pacedRedrawDueAt(this.s.lastGroupDraw.get(groupId), now);
    this.s.insertForGroup.run(groupId, 'group_update', channel, dueAt, now);
  }

  /**
   * The message of an exception posted alone before its storm formed: redrawn once to point to the
   * storm. A group row too, so it waits for the storm's own post, whose link it shows.
   */
  joinedStorm(exceptionId: number, groupId: number, channel: string, now: number): void {
    this.s.insertWithGroup.run(exceptionId, groupId, 'joined', channel, '{}', now, now);
  }

  /** The old message of a reassigned exception: re-rendered once to say where it went. */
  moved(exceptionId: number, channel: string, ts: string, actor: string, now: number): void {
    this.s.supersede.run(exceptionId);
    this.s.insert.run(exceptionId, 'moved', channel, JSON.stringify({ ts, actor }), now, now);
  }

  /** A daily digest: the facts are fixed when it runs; the message is drawn when sent. */
  digest(channel: string, facts: DigestFacts, now: number): void {
    this.s.insert.run(null, 'digest', channel, JSON.stringify(facts), now, now);
  }

  /** A weekly digest, like the daily one: facts fixed when it runs, the message drawn when sent. */
  weeklyDigest(channel: string, facts: WeeklyDigestFacts, now: number): void {
    this.s.insert.run(null, 'weekly_digest', channel, JSON.stringify(facts), now, now);
  }

  /** A silence began or ended: told in the team's channel, drawn from what the note fixed. */
  silence(channel: string, note: SilenceNote, now: number): void {
    this.s.insert.run(null, 'silence', channel, JSON.stringify(note), now, now);
  }

  ephemeral(input: EphemeralInput): void {
    const payload = JSON.stringify({ user: input.user, text: input.text, blocks: input.blocks });
    this.s.insert.run(null, 'ephemeral', input.channel, payload, input.at, input.at);
  }

  claim(now: number, limit: number, leaseMs: number, pacedChannels: readonly string[] = []): OutboxJob[] {
    return writeTransaction(this.db, () =>
      this.s.due.all({ now, paced: JSON.stringify(pacedChannels), limit }).map((row) => {
        const inDoubt = claimedInDoubt(row);
        this.s.lease.run(now + leaseMs, inDoubt ? 1 : 0, row.id);
        return toOutboxJob(row, inDoubt, this.sources);
      }),
    )();
  }

  complete(id: number, at: number, ts: string | undefined): void {
    writeTransaction(this.db, () => {
      this.s.sent.run(at, id);
      const row = this.s.sentRow.get(id);
      if (row === undefined) return;
      if (ts !== undefined) this.recordTs(row, ts);
      // Detection's next redraw of the board is paced from here (BoardWriter.changed).
      if (tsTargetOf(row.kind) === 'board') this.s.boardDrawn.run(at, boardTeamOf(row));
    })();
  }

  /** A post's ts (or an update's, posted afresh) is kept where shared/outbox-ts.ts says. */
  private recordTs(row: Pick<OutboxRow, 'kind' | 'exception_id' | 'group_id' | 'payload'>, ts: string): void {
    const target = tsTargetOf(row.kind);
    if (target === 'exception' && row.exception_id !== null) this.s.exceptionTs.run(ts, row.exception_id);
    else if (target === 'group' && row.group_id !== null) this.s.groupTs.run(ts, row.group_id);
    else if (target === 'board') this.s.boardTs.run(ts, boardTeamOf(row));
  }

  retry(id: number, dueAt: number, error: string, inDoubt: boolean): void {
    this.s.retry.run(dueAt, error, inDoubt ? 1 : 0, id);
  }

  /**
   * At start-up every lease belongs to a process that is gone (one process sends): its rows are
   * sent again now rather than when the lease runs out, each looked for in Slack first.
   */
  releaseAbandoned(): number {
    return this.s.abandoned.run().changes;
  }

  release(id: number): void {
    this.s.release.run(id);
  }

  fail(id: number, error: string): void {
    this.s.failed.run(error, id);
  }
}

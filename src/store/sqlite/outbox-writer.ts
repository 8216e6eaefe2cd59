import type Database from 'better-sqlite3';
import type { DigestFacts } from '../../domain/digest.js';
import type { EscalationBoard } from '../../domain/escalation-board.js';
import type { ExceptionRecord } from '../../domain/exception.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { OutboxJob, ThreadNote } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { SilenceNote } from '../silence-types.js';
import type { EphemeralInput } from '../store.js';
import { BoardReader } from './board-reader.js';
import { GroupReader } from './group-reader.js';

/** Repeats of one exception are told in its thread at most this often, with the count so far. */
const REPEAT_NOTE_EVERY_MS = 5 * 60_000;
const REPEATS = JSON.stringify({ type: 'repeats' } satisfies ThreadNote);

interface OutboxRow {
  id: number;
  exception_id: number | null;
  group_id: number | null;
  kind:
    | 'post'
    | 'update'
    | 'thread'
    | 'ephemeral'
    | 'silence'
    | 'moved'
    | 'escalate'
    | 'group_post'
    | 'group_update'
    | 'joined'
    | 'board_post'
    | 'board_update'
    | 'digest'
    | 'weekly_digest';
  channel: string;
  payload: string;
  attempts: number;
  in_doubt: 0 | 1;
  /** Non-zero on a row a sender leased and never settled: it died, or is dying, mid-call. */
  claimed_until: number;
}

/**
 * Outbox rows: written in the transaction of the change that causes them, sent later by the
 * outbox worker, which renders each message from the exception's state at that moment.
 */
export class OutboxWriter {
  private readonly s;

  private readonly groups: GroupReader;
  private readonly boards: BoardReader;

  constructor(private readonly db: Database.Database) {
    this.groups = new GroupReader(db);
    this.boards = new BoardReader(db);
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
      pendingRepeatNote: db.prepare<[number, string], { id: number }>(
        "SELECT id FROM outbox WHERE exception_id = ? AND kind = 'thread' AND state = 'pending' AND payload = ? LIMIT 1",
      ),
      lastRepeatNote: db.prepare<[number, string], { sent_at: number | null }>(
        "SELECT max(sent_at) AS sent_at FROM outbox WHERE exception_id = ? AND kind = 'thread' AND payload = ?",
      ),
      // In order per message: a row waits for earlier rows of its exception (or group) that are due,
      // or that create the message. A note due later (batched repeats) blocks nothing.
      // Channels still inside their posting pace are left out, so one busy channel starves no other.
      due: db.prepare<{ now: number; paced: string; limit: number }, OutboxRow>(
        `SELECT id, exception_id, group_id, kind, channel, payload, attempts, in_doubt, claimed_until FROM outbox o
         WHERE state = 'pending' AND due_at <= @now AND claimed_until <= @now
           AND NOT (kind IN ('post', 'thread', 'escalate', 'group_post', 'board_post', 'digest', 'weekly_digest', 'silence')
                    AND channel IN (SELECT value FROM json_each(@paced)))
           AND (exception_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p
                WHERE p.exception_id = o.exception_id AND p.state = 'pending' AND p.id < o.id
                  AND (p.due_at <= @now OR p.kind IN ('post', 'moved'))))
           AND (group_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p
                WHERE p.group_id = o.group_id AND p.state = 'pending' AND p.id < o.id
                  AND (p.due_at <= @now OR p.kind = 'group_post')))
           AND (kind NOT IN ('board_post', 'board_update') OR NOT EXISTS (SELECT 1 FROM outbox p
                WHERE p.kind IN ('board_post', 'board_update') AND p.payload = o.payload
                  AND p.state = 'pending' AND p.id < o.id))
         ORDER BY due_at, id LIMIT @limit`,
      ),
      lease: db.prepare('UPDATE outbox SET claimed_until = ?, in_doubt = ? WHERE id = ?'),
      abandoned: db.prepare(
        "UPDATE outbox SET claimed_until = 0, in_doubt = 1 WHERE state = 'pending' AND claimed_until > 0",
      ),
      exception: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?'),
      sent: db.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, claimed_until = 0 WHERE id = ?"),
      // A post's ts, or an update's when its message was gone and it was posted afresh.
      rootTs: db.prepare(
        "UPDATE exceptions SET slack_ts = ? WHERE id = (SELECT exception_id FROM outbox WHERE id = ? AND kind IN ('post', 'update'))",
      ),
      groupTs: db.prepare(
        "UPDATE exception_groups SET slack_ts = ? WHERE id = (SELECT group_id FROM outbox WHERE id = ? AND kind IN ('group_post', 'group_update'))",
      ),
      boardTs: db.prepare(
        "UPDATE escalation_boards SET slack_ts = ? WHERE team = (SELECT json_extract(payload, '$.team') FROM outbox WHERE id = ? AND kind IN ('board_post', 'board_update'))",
      ),
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

  /** Asks for the root message to be rendered again; one pending re-render (or the post itself) is enough. */
  rerender(exceptionId: number, channel: string, now: number): void {
    if (this.s.pendingOf.get(exceptionId, 'post', now) || this.s.pendingOf.get(exceptionId, 'update', now))
      return;
    this.s.insert.run(exceptionId, 'update', channel, '{}', now, now);
  }

  /** With `groupId`, the note belongs in the storm's thread rather than the member's own (it has none). */
  threadNote(exceptionId: number, channel: string, note: ThreadNote, now: number, groupId?: number): void {
    if (groupId === undefined)
      this.s.insert.run(exceptionId, 'thread', channel, JSON.stringify(note), now, now);
    else this.s.insertWithGroup.run(exceptionId, groupId, 'thread', channel, JSON.stringify(note), now, now);
  }

  /** Batches repeats: one pending note at a time, and no sooner than REPEAT_NOTE_EVERY_MS after the last. */
  repeatNote(exceptionId: number, channel: string, now: number): void {
    if (this.s.pendingRepeatNote.get(exceptionId, REPEATS)) return;
    const last = this.s.lastRepeatNote.get(exceptionId, REPEATS)?.sent_at ?? null;
    const dueAt = last === null ? now : Math.max(now, last + REPEAT_NOTE_EVERY_MS);
    this.s.insert.run(exceptionId, 'thread', channel, REPEATS, dueAt, now);
  }

  groupPost(groupId: number, channel: string, now: number): void {
    this.s.insertForGroup.run(groupId, 'group_post', channel, now, now);
  }

  /** Like `rerender`, for a group's message. */
  rerenderGroup(groupId: number, channel: string, now: number): void {
    if (
      this.s.pendingOfGroup.get(groupId, 'group_post', now) ||
      this.s.pendingOfGroup.get(groupId, 'group_update', now)
    )
      return;
    this.s.insertForGroup.run(groupId, 'group_update', channel, now, now);
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
    return this.db.transaction(() =>
      this.s.due.all({ now, paced: JSON.stringify(pacedChannels), limit }).map((row) => {
        // A lease that ran out unsettled means its sender died after the call may have gone out.
        const inDoubt = row.in_doubt === 1 || row.claimed_until > 0;
        this.s.lease.run(now + leaseMs, inDoubt ? 1 : 0, row.id);
        return this.toJob(row, inDoubt);
      }),
    )();
  }

  complete(id: number, at: number, ts: string | undefined): void {
    this.db.transaction(() => {
      this.s.sent.run(at, id);
      if (ts !== undefined) {
        this.s.rootTs.run(ts, id);
        this.s.groupTs.run(ts, id);
        this.s.boardTs.run(ts, id);
      }
    })();
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

  /** A note or escalation written for a storm is about the group's message: its thread, its link. */
  private shownAs(exception: ExceptionRecord, row: OutboxRow): ExceptionRecord {
    if (row.group_id === null || row.exception_id === null) return exception;
    const group = this.groups.load(row.group_id);
    if (group === undefined) return exception;
    const { slackTs: _own, ...rest } = exception;
    return {
      ...rest,
      channel: group.channel,
      ...(group.slackTs !== undefined && { slackTs: group.slackTs }),
    };
  }

  private toJob(row: OutboxRow, inDoubt: boolean): OutboxJob {
    const base = { id: row.id, channel: row.channel, attempts: row.attempts, inDoubt };
    if (row.kind === 'group_post' || row.kind === 'group_update') {
      const group = this.groups.load(row.group_id ?? -1);
      if (group === undefined) throw new Error(`outbox row ${row.id} names a missing group`);
      const current = { ...base, channel: group.channel, group };
      return row.kind === 'group_post'
        ? { ...current, kind: 'group_post' }
        : { ...current, kind: 'group_update' };
    }
    if (row.kind === 'digest')
      return { ...base, kind: 'digest', facts: JSON.parse(row.payload) as DigestFacts };
    if (row.kind === 'weekly_digest')
      return { ...base, kind: 'weekly_digest', facts: JSON.parse(row.payload) as WeeklyDigestFacts };
    if (row.kind === 'board_post' || row.kind === 'board_update') {
      const { team } = JSON.parse(row.payload) as { team: string };
      const board: EscalationBoard | undefined = this.boards.load(team);
      if (board === undefined) throw new Error(`outbox row ${row.id} names a missing board`);
      return { ...base, channel: board.channel, kind: row.kind, board };
    }
    if (row.kind === 'joined') {
      // Its own message, not the storm's: toJob's usual view of a group row would swap them.
      const exception = toException(this.s.exception.get(row.exception_id ?? -1) as ExceptionRow);
      const group = this.groups.load(row.group_id ?? -1);
      if (group === undefined) throw new Error(`outbox row ${row.id} names a missing group`);
      return { ...base, channel: exception.channel, kind: 'joined', exception, group };
    }
    if (row.kind === 'silence')
      return { ...base, kind: 'silence', note: JSON.parse(row.payload) as SilenceNote };
    if (row.kind === 'ephemeral') {
      const { user, text, blocks } = JSON.parse(row.payload) as {
        user: string;
        text: string;
        blocks?: unknown[];
      };
      return { ...base, kind: 'ephemeral', user, text, ...(blocks && { blocks }) };
    }
    const exception = this.shownAs(
      toException(this.s.exception.get(row.exception_id ?? -1) as ExceptionRow),
      row,
    );
    // Escalations are now lines on a team's board; rows written before that are still sent.
    if (row.kind === 'escalate') {
      const { waitedMs } = JSON.parse(row.payload) as { waitedMs: number };
      return { ...base, kind: 'escalate', waitedMs, exception };
    }
    if (row.kind === 'moved') {
      const { ts, actor } = JSON.parse(row.payload) as { ts: string; actor: string };
      return { ...base, kind: 'moved', ts, actor, exception };
    }
    // The exception's current channel: a reassignment may have moved it since the row was written.
    const current = { ...base, channel: exception.channel, exception };
    if (row.kind === 'thread')
      return { ...current, kind: 'thread', note: JSON.parse(row.payload) as ThreadNote };
    return row.kind === 'post' ? { ...current, kind: 'post' } : { ...current, kind: 'update' };
  }
}

import type Database from 'better-sqlite3';
import type { DigestFacts } from '../../domain/digest.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { ThreadNote } from '../exception-types.js';
import {
  type LastDraw,
  pacedRedrawDueAt,
  REPEATS_PAYLOAD,
  type Redraw,
  repeatNoteDueAt,
} from '../shared/outbox-plans.js';
import type { SilenceNote } from '../silence-types.js';
import type { EphemeralInput } from '../store.js';

/**
 * Outbox rows: written in the transaction of the change that causes them, sent later by the
 * outbox worker (through outbox-sender.ts), which renders each message from the state at that moment.
 */
export class OutboxWriter {
  private readonly s;

  constructor(db: Database.Database) {
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
      insertForGroup: db.prepare(
        `INSERT INTO outbox (group_id, kind, channel, payload, state, due_at, created_at)
         VALUES (?, ?, ?, '{}', 'pending', ?, ?)`,
      ),
      pendingOfGroup: db.prepare<[number, string, number], { id: number }>(
        "SELECT id FROM outbox WHERE group_id = ? AND kind = ? AND state = 'pending' AND claimed_until <= ? LIMIT 1",
      ),
      supersede: db.prepare(
        "UPDATE outbox SET state = 'superseded' WHERE exception_id = ? AND state = 'pending' AND kind IN ('update', 'thread')",
      ),
      unsentPost: db.prepare<[number, number], { id: number }>(
        `SELECT id FROM outbox WHERE exception_id = ? AND kind = 'post' AND state = 'pending'
           AND claimed_until <= ? AND in_doubt = 0 LIMIT 1`,
      ),
      dropUnsent: db.prepare(
        "UPDATE outbox SET state = 'superseded' WHERE exception_id = ? AND state = 'pending' AND kind IN ('post', 'update', 'thread')",
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
}

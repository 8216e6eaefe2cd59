import type { DigestFacts } from '../../domain/digest.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { ThreadNote } from '../exception-types.js';
import { REDRAW_EVERY_MS, REPEATS_PAYLOAD, type Redraw, repeatNoteDueAt } from '../shared/outbox-plans.js';
import type { SilenceNote } from '../silence-types.js';
import type { EphemeralInput } from '../store.js';
import type { Tx } from './connection.js';

/** One outbox row as queued: what it is about, where it goes, and when. */
interface Queued {
  exceptionId?: number;
  groupId?: number;
  kind: string;
  channel: string;
  payload: string;
  dueAt: number;
  createdAt: number;
}

/**
 * The enqueue side of the outbox (the SQLite store's OutboxWriter, minus sending): rows written in
 * the transaction of the change that causes them, sent later by the outbox worker, which renders each
 * message from state at that moment. Every method runs inside the caller's transaction.
 */
export class OutboxQueue {
  post(tx: Tx, exceptionId: number, channel: string, now: number): Promise<void> {
    return this.insert(tx, { exceptionId, kind: 'post', channel, payload: '{}', dueAt: now, createdAt: now });
  }

  /**
   * Drops an exception's own post, and whatever waited behind it, when the post has not gone out
   * and is not going out now (nor may have: in doubt). True when it was dropped.
   */
  async dropUnsentPost(tx: Tx, exceptionId: number, now: number): Promise<boolean> {
    const dropped = await tx`
      UPDATE outbox SET state = 'superseded'
      WHERE exception_id = ${exceptionId} AND state = 'pending' AND kind IN ('post', 'update', 'thread')
        AND EXISTS (SELECT 1 FROM outbox p WHERE p.exception_id = ${exceptionId} AND p.kind = 'post'
          AND p.state = 'pending' AND p.claimed_until <= ${now} AND p.in_doubt = 0)`;
    return dropped.count > 0;
  }

  /**
   * Asks for the root message to be rendered again; one pending re-render (or the post itself) is
   * enough, brought forward when this one is wanted now.
   */
  rerender(tx: Tx, exceptionId: number, channel: string, now: number, redraw: Redraw = 'now'): Promise<void> {
    const message = { column: 'exception_id', id: exceptionId, post: 'post', update: 'update' } as const;
    return this.redraw(tx, message, channel, now, redraw);
  }

  /** With `groupId`, the note belongs in the storm's thread rather than the member's own (it has none). */
  threadNote(
    tx: Tx,
    exceptionId: number,
    channel: string,
    note: ThreadNote,
    now: number,
    groupId?: number,
  ): Promise<void> {
    const payload = JSON.stringify(note);
    return this.insert(tx, {
      exceptionId,
      ...(groupId !== undefined && { groupId }),
      kind: 'thread',
      channel,
      payload,
      dueAt: now,
      createdAt: now,
    });
  }

  /** Batches repeats: one pending note at a time, and no sooner than the shared interval after the last. */
  async repeatNote(tx: Tx, exceptionId: number, channel: string, now: number): Promise<void> {
    const [found] = await tx<{ pending: boolean; last: number | null }[]>`
      SELECT bool_or(state = 'pending') AS pending, max(sent_at) AS last FROM outbox
      WHERE exception_id = ${exceptionId} AND kind = 'thread' AND payload = ${REPEATS_PAYLOAD}`;
    const dueAt = repeatNoteDueAt({ pending: found?.pending === true, lastSentAt: found?.last ?? null }, now);
    if (dueAt === undefined) return;
    await this.insert(tx, {
      exceptionId,
      kind: 'thread',
      channel,
      payload: REPEATS_PAYLOAD,
      dueAt,
      createdAt: now,
    });
  }

  groupPost(tx: Tx, groupId: number, channel: string, now: number): Promise<void> {
    return this.insert(tx, {
      groupId,
      kind: 'group_post',
      channel,
      payload: '{}',
      dueAt: now,
      createdAt: now,
    });
  }

  /** Like `rerender`, for a group's message. */
  rerenderGroup(
    tx: Tx,
    groupId: number,
    channel: string,
    now: number,
    redraw: Redraw = 'now',
  ): Promise<void> {
    const message = { column: 'group_id', id: groupId, post: 'group_post', update: 'group_update' } as const;
    return this.redraw(tx, message, channel, now, redraw);
  }

  /**
   * One statement (a round trip): a drawing still pending is enough (hurried when this one is
   * wanted now), else a redraw is queued, due as pacedRedrawDueAt (outbox-plans.ts) decides when
   * paced. A pending row being sent right now was rendered before this change, so it does not count.
   */
  private async redraw(
    tx: Tx,
    message: { column: 'exception_id' | 'group_id'; id: number; post: string; update: string },
    channel: string,
    now: number,
    redraw: Redraw,
  ): Promise<void> {
    const { column, id, post, update } = message;
    const dueAt =
      redraw === 'now'
        ? tx`${now}::bigint`
        : tx`greatest(${now}::bigint, coalesce((SELECT coalesce(sent_at,
            CASE WHEN claimed_until > ${now}::bigint THEN ${now}::bigint END) FROM last) + ${REDRAW_EVERY_MS}::bigint,
            ${now}::bigint))`;
    await tx`
      WITH pending AS (
        SELECT id, kind FROM outbox WHERE ${tx(column)} = ${id} AND kind IN (${post}, ${update})
          AND state = 'pending' AND claimed_until <= ${now}),
      hurried AS (
        UPDATE outbox SET due_at = least(due_at, ${now}::bigint)
        WHERE ${redraw === 'now'}::boolean AND id IN (SELECT id FROM pending WHERE kind = ${update})),
      last AS (
        SELECT sent_at, claimed_until FROM outbox WHERE ${tx(column)} = ${id} AND kind IN (${post}, ${update})
        ORDER BY id DESC LIMIT 1)
      INSERT INTO outbox (${tx(column)}, kind, channel, payload, state, due_at, created_at)
      SELECT ${id}, ${update}, ${channel}, '{}', 'pending', ${dueAt}, ${now}
      WHERE NOT EXISTS (SELECT 1 FROM pending)`;
  }

  /**
   * The message of an exception posted alone before its storm formed: redrawn once to point to the
   * storm. A group row too, so it waits for the storm's own post, whose link it shows.
   */
  joinedStorm(tx: Tx, exceptionId: number, groupId: number, channel: string, now: number): Promise<void> {
    return this.insert(tx, {
      exceptionId,
      groupId,
      kind: 'joined',
      channel,
      payload: '{}',
      dueAt: now,
      createdAt: now,
    });
  }

  /** The old message of a reassigned exception: re-rendered once to say where it went. */
  async moved(tx: Tx, exceptionId: number, channel: string, ts: string, actor: string, now: number) {
    await tx`UPDATE outbox SET state = 'superseded' WHERE exception_id = ${exceptionId}
      AND state = 'pending' AND kind IN ('update', 'thread')`;
    const payload = JSON.stringify({ ts, actor });
    await this.insert(tx, { exceptionId, kind: 'moved', channel, payload, dueAt: now, createdAt: now });
  }

  /** A daily digest: the facts are fixed when it runs; the message is drawn when sent. */
  digest(tx: Tx, channel: string, facts: DigestFacts, now: number): Promise<void> {
    const payload = JSON.stringify(facts);
    return this.insert(tx, { kind: 'digest', channel, payload, dueAt: now, createdAt: now });
  }

  /** A weekly digest, like the daily one: facts fixed when it runs, the message drawn when sent. */
  weeklyDigest(tx: Tx, channel: string, facts: WeeklyDigestFacts, now: number): Promise<void> {
    const payload = JSON.stringify(facts);
    return this.insert(tx, { kind: 'weekly_digest', channel, payload, dueAt: now, createdAt: now });
  }

  /** A silence began or ended: told in the team's channel, drawn from what the note fixed. */
  silence(tx: Tx, channel: string, note: SilenceNote, now: number): Promise<void> {
    const payload = JSON.stringify(note);
    return this.insert(tx, { kind: 'silence', channel, payload, dueAt: now, createdAt: now });
  }

  ephemeral(tx: Tx, input: EphemeralInput): Promise<void> {
    const payload = JSON.stringify({ user: input.user, text: input.text, blocks: input.blocks });
    return this.insert(tx, {
      kind: 'ephemeral',
      channel: input.channel,
      payload,
      dueAt: input.at,
      createdAt: input.at,
    });
  }

  private async insert(tx: Tx, row: Queued): Promise<void> {
    await tx`
      INSERT INTO outbox (exception_id, group_id, kind, channel, payload, state, due_at, created_at)
      VALUES (${row.exceptionId ?? null}, ${row.groupId ?? null}, ${row.kind}, ${row.channel},
        ${row.payload}, 'pending', ${row.dueAt}, ${row.createdAt})`;
  }
}

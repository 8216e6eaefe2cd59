import type { DigestFacts } from '../../domain/digest.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { ThreadNote } from '../exception-types.js';
import { REPEATS_PAYLOAD, repeatNoteDueAt } from '../shared/outbox-plans.js';
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

  /** Asks for the root message to be rendered again; one pending re-render (or the post itself) is enough. */
  async rerender(tx: Tx, exceptionId: number, channel: string, now: number): Promise<void> {
    // Pending and not being sent right now: a row already claimed was rendered before this change.
    await tx`
      INSERT INTO outbox (exception_id, kind, channel, payload, state, due_at, created_at)
      SELECT ${exceptionId}, 'update', ${channel}, '{}', 'pending', ${now}, ${now}
      WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE exception_id = ${exceptionId}
        AND kind IN ('post', 'update') AND state = 'pending' AND claimed_until <= ${now})`;
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
  async rerenderGroup(tx: Tx, groupId: number, channel: string, now: number): Promise<void> {
    await tx`
      INSERT INTO outbox (group_id, kind, channel, payload, state, due_at, created_at)
      SELECT ${groupId}, 'group_update', ${channel}, '{}', 'pending', ${now}, ${now}
      WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE group_id = ${groupId}
        AND kind IN ('group_post', 'group_update') AND state = 'pending' AND claimed_until <= ${now})`;
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

import type { DuePolicy } from '../../domain/due-policy.js';
import type { Money } from '../../domain/event.js';
import {
  type AuditEntry,
  type ExceptionFacts,
  groupKeyOf,
  type Routing,
  SYSTEM_ACTOR,
} from '../../domain/exception.js';
import type { ThreadNote } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import {
  cartToValue,
  mayDropUnsentPost,
  maySettleOnArrival,
  type OpeningColumns,
  openedNote,
  openingColumns,
  redrawTarget,
  SETTLED_ON_ARRIVAL_NOTE,
  stallReasonToAdd,
  valueAtRisk,
} from '../shared/exception-plans.js';
import type { Redraw } from '../shared/outbox-plans.js';
import { BoardWriter } from './board-writer.js';
import type { Tx } from './connection.js';
import { GroupWriter } from './group-writer.js';
import { OutboxQueue } from './outbox-queue.js';
import { SilenceGate } from './silence-gate.js';

export type RaiseResult = 'opened' | 'repeated' | 'skipped';

/**
 * Exception changes, each written with its audit entry and the Slack writes it causes, inside the
 * caller's transaction. Several instances raise at once: the live exception of a dedup key is locked
 * before it is counted or resolved, and a new one is inserted against the unique index of live keys,
 * so a key raised by two instances at once opens one exception and counts one repeat.
 */
export class ExceptionWriter {
  readonly outbox = new OutboxQueue();
  readonly silences = new SilenceGate();
  readonly boards = new BoardWriter();
  readonly groups: GroupWriter;

  constructor(private readonly policy: DuePolicy) {
    this.groups = new GroupWriter(this.outbox, policy, this.boards);
  }

  /** The exception, locked for the rest of the transaction. */
  async lockById(tx: Tx, id: number): Promise<ExceptionRow | undefined> {
    const [row] = await tx<ExceptionRow[]>`SELECT * FROM exceptions WHERE id = ${id} FOR UPDATE`;
    return row;
  }

  /** The live exception with this dedup key, locked for the rest of the transaction. */
  async lockLive(tx: Tx, dedupKey: string): Promise<ExceptionRow | undefined> {
    const [row] = await tx<ExceptionRow[]>`
      SELECT * FROM exceptions WHERE dedup_key = ${dedupKey} AND state != 'resolved' FOR UPDATE`;
    return row;
  }

  async audit(
    tx: Tx,
    exceptionId: number,
    at: number,
    actor: string,
    action: AuditEntry['action'],
    note: string | null = null,
  ): Promise<void> {
    await tx`INSERT INTO exception_audit (exception_id, at, actor, action, note)
      VALUES (${exceptionId}, ${at}, ${actor}, ${action}, ${note})`;
  }

  /**
   * Opens an exception, or counts a repeat of the live one with the same dedup key. What an opening
   * needs to know is asked in the same round trip as the live row (wasted on a repeat, but round trips
   * are what a detection batch of hundreds pays for).
   */
  async raise(
    tx: Tx,
    facts: ExceptionFacts,
    routing: Routing,
    at: number,
    now: number,
    options: { repeat?: boolean } = {},
  ): Promise<RaiseResult> {
    const [live, settled, cartValue, silence] = await Promise.all([
      this.lockLive(tx, facts.dedupKey),
      this.laterSuccess(tx, facts, at),
      this.cartValue(tx, facts),
      // Held back by a silence: stored and counted like any other, but neither posted nor escalated
      // (nor grouped) until the silence ends and releases it.
      this.silences.holding(tx, facts, routing.team, now),
    ]);
    if (live) return this.repeat(tx, live, facts, at, now, options);
    const value = valueAtRisk(facts, cartValue);
    const opening = { facts, routing, at, now, value, silence, escalateAfterMs: this.policy.escalateAfterMs };
    const id = await this.insertOpened(tx, openingColumns(opening), openedNote(silence), now);
    if (id === undefined) {
      // Another instance opened it meanwhile (its insert won the live key): this is a repeat of it.
      const winner = await this.lockLive(tx, facts.dedupKey);
      if (!winner) throw new Error(`exception ${facts.dedupKey} neither inserted nor found live`);
      return this.repeat(tx, winner, facts, at, now, options);
    }
    // A failure whose cart already succeeded later in that stage (out-of-order webhooks, or a backlog
    // detected late) was settled before anyone could act: kept for the record, resolved, unposted.
    if (settled) {
      await Promise.all([
        this.markResolved(tx, id, now),
        this.audit(tx, id, now, SYSTEM_ACTOR, 'auto_resolved', SETTLED_ON_ARRIVAL_NOTE),
      ]);
    } else if (silence === undefined)
      await this.groups.place(tx, id, groupKeyOf(facts, routing.team), routing.channel, now);
    return 'opened';
  }

  /** Inserts a live exception with its 'opened' audit entry; undefined when its key is live already. */
  private async insertOpened(
    tx: Tx,
    columns: OpeningColumns,
    note: string | null,
    now: number,
  ): Promise<number | undefined> {
    const [row] = await tx<{ id: number }[]>`
      WITH opened AS (
        INSERT INTO exceptions ${tx({ ...columns, state: 'open', count: 1 })}
        ON CONFLICT (dedup_key) WHERE state != 'resolved' DO NOTHING RETURNING id)
      INSERT INTO exception_audit (exception_id, at, actor, action, note)
      SELECT id, ${now}, ${SYSTEM_ACTOR}, 'opened', ${note} FROM opened RETURNING exception_id AS id`;
    return row?.id;
  }

  private async repeat(
    tx: Tx,
    live: ExceptionRow,
    facts: ExceptionFacts,
    at: number,
    now: number,
    options: { repeat?: boolean },
  ): Promise<RaiseResult> {
    if (options.repeat === false) return 'skipped';
    if (await this.addStallReason(tx, live, facts, at, now)) return 'repeated';
    const counted = tx`UPDATE exceptions SET count = count + 1, last_seen_at = greatest(last_seen_at, ${at})
      WHERE id = ${live.id}`;
    const target = redrawTarget(live, await this.silences.isHeld(tx, live));
    // Sent together with the count: one round trip (and the repeat note's own insert).
    // A repeat changes a count, not what anyone must do: its redraw is paced.
    if (target === 'group' && live.group_id !== null)
      await Promise.all([counted, this.groups.changed(tx, live.group_id, live.channel, now, 'paced')]);
    else if (target === 'own')
      await Promise.all([
        counted,
        this.outbox.rerender(tx, live.id, live.channel, now, 'paced'),
        this.outbox.repeatNote(tx, live.id, live.channel, now),
      ]);
    else await counted;
    return 'repeated';
  }

  private async laterSuccess(tx: Tx, facts: ExceptionFacts, at: number): Promise<boolean> {
    if (!maySettleOnArrival(facts)) return false;
    const [found] = await tx`SELECT 1 FROM events WHERE cart_id = ${facts.cartId} AND stage = ${facts.stage}
      AND status = 'succeeded' AND occurred_at > ${at} LIMIT 1`;
    return found !== undefined;
  }

  private async cartValue(tx: Tx, facts: ExceptionFacts): Promise<Money | undefined> {
    const cartId = cartToValue(facts);
    if (cartId === undefined) return undefined;
    const [cart] = await tx<Money[]>`SELECT value, currency FROM carts WHERE cart_id = ${cartId}
      AND value IS NOT NULL AND currency IS NOT NULL`;
    return cart && { value: cart.value, currency: cart.currency };
  }

  /** A second stall rule for the same cart and stage: its reason joins the open stall, in the thread too. */
  private async addStallReason(
    tx: Tx,
    live: ExceptionRow,
    facts: ExceptionFacts,
    at: number,
    now: number,
  ): Promise<boolean> {
    const merged = stallReasonToAdd(live, facts);
    if (merged === undefined) return false;
    const [[row]] = await Promise.all([
      tx<ExceptionRow[]>`
        UPDATE exceptions SET error_code = ${merged.errorCode}, error_message = ${merged.errorMessage},
          count = count + 1, last_seen_at = greatest(last_seen_at, ${at})
        WHERE id = ${live.id} RETURNING *`,
      this.audit(tx, live.id, now, SYSTEM_ACTOR, 'repeated', facts.errorMessage ?? null),
    ]);
    await this.touched(
      tx,
      row as ExceptionRow,
      now,
      { type: 'also', reason: facts.errorMessage ?? '' },
      'paced',
    );
    return true;
  }

  /**
   * Resolves the live exception with this dedup key, if any (a drained backlog, a source back):
   * how long after it was first seen, or undefined when there was none.
   */
  async resolveLive(tx: Tx, dedupKey: string, now: number): Promise<number | undefined> {
    const live = await this.lockLive(tx, dedupKey);
    return live ? this.resolveAutomatically(tx, live.id, now) : undefined;
  }

  /**
   * Resolves a live exception the caller has locked; returns how long after it was first seen.
   */
  async resolveAutomatically(tx: Tx, id: number, now: number): Promise<number> {
    const [row] = await Promise.all([
      this.markResolved(tx, id, now),
      this.audit(tx, id, now, SYSTEM_ACTOR, 'auto_resolved'),
    ]);
    if (mayDropUnsentPost(row) && (await this.outbox.dropUnsentPost(tx, row.id, now)))
      return now - row.first_seen_at;
    await this.touched(
      tx,
      row,
      now,
      { type: 'action', action: 'auto_resolved', actor: SYSTEM_ACTOR },
      'paced',
    );
    return now - row.first_seen_at;
  }

  private async markResolved(tx: Tx, id: number, now: number): Promise<ExceptionRow> {
    const [row] = await tx<ExceptionRow[]>`
      UPDATE exceptions SET state = 'resolved', resolution = 'auto', resolved_at = ${now},
        resolved_by = ${SYSTEM_ACTOR}, escalate_at = NULL, remind_at = NULL, revision = revision + 1
      WHERE id = ${id} RETURNING *`;
    if (row === undefined) throw new Error(`exception ${id} vanished while being resolved`);
    return row;
  }

  /**
   * Asks for the message showing this exception to be drawn again: its own (with a thread note,
   * if any), or its group's, whose message counts members rather than telling each one's story.
   * `redraw`: how the messages that count it (its storm's, its team's escalation board) are drawn
   * again; detection's own changes are paced.
   */
  async touched(
    tx: Tx,
    row: ExceptionRow,
    now: number,
    note?: ThreadNote,
    redraw: Redraw = 'now',
  ): Promise<void> {
    const target = redrawTarget(row, await this.silences.isHeld(tx, row));
    if (target === 'none') return;
    await this.boards.exceptionChanged(tx, row, now, redraw);
    if (target === 'group' && row.group_id !== null) {
      await this.groups.changed(tx, row.group_id, row.channel, now, redraw);
      return;
    }
    await Promise.all([
      this.outbox.rerender(tx, row.id, row.channel, now),
      note !== undefined && this.outbox.threadNote(tx, row.id, row.channel, note, now),
    ]);
  }
}

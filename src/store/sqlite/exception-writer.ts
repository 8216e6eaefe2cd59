import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import type { Money } from '../../domain/event.js';
import { type ExceptionFacts, groupKeyOf, type Routing, SYSTEM_ACTOR } from '../../domain/exception.js';
import { SLA_EXCEEDED, silentSourceKey } from '../../domain/sweep-rules.js';
import type { DetectionBatch, DetectionChange, DetectionOutcome, ThreadNote } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import {
  cartToValue,
  countRaise,
  countResolved,
  emptyDetectionOutcome,
  mayDropUnsentPost,
  maySettleOnArrival,
  openedNote,
  openingColumns,
  redrawTarget,
  SETTLED_BY_SUCCESS,
  SETTLED_ON_ARRIVAL_NOTE,
  stallReasonToAdd,
  valueAtRisk,
} from '../shared/exception-plans.js';
import type { Redraw } from '../shared/outbox-plans.js';
import type {} from '../store.js';
import { BoardWriter } from './board-writer.js';
import { GroupWriter } from './group-writer.js';
import { NoiseWriter } from './noise-writer.js';
import { OutboxWriter } from './outbox-writer.js';
import { SilenceGate } from './silence-gate.js';
import { TrendWriter } from './trend-writer.js';
import { writeTransaction } from './write-transaction.js';

/** Other writers count automatic resolutions with it; it lives with the shared plans. */
export { countResolved };

/**
 * Exception changes, each written with its audit entry and the Slack writes it causes. Due times
 * for escalation and reminders are set here, in the same transaction as the change that moves them.
 */
export class ExceptionWriter {
  private readonly s;
  readonly outbox: OutboxWriter;
  readonly groups: GroupWriter;
  readonly noise: NoiseWriter;
  readonly silences: SilenceGate;
  readonly boards: BoardWriter;
  readonly trends: TrendWriter;

  constructor(
    private readonly db: Database.Database,
    private readonly policy: DuePolicy,
  ) {
    this.outbox = new OutboxWriter(db);
    this.silences = new SilenceGate(db);
    this.boards = new BoardWriter(db);
    this.groups = new GroupWriter(db, this.outbox, policy, this.boards);
    this.noise = new NoiseWriter(db, this);
    this.trends = new TrendWriter(db);
    this.s = {
      byId: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?'),
      liveByKey: db.prepare<[string], ExceptionRow>(
        "SELECT * FROM exceptions WHERE dedup_key = ? AND state != 'resolved'",
      ),
      insert:
        db.prepare(`INSERT INTO exceptions (dedup_key, kind, state, cart_id, stage, step, error_code, error_message,
          amount_value, amount_currency, amount_from, source, run_id, team, channel, route_reason, first_seen_at,
          last_seen_at, raised_at, count, escalate_at, group_key, silence_id)
        VALUES (@dedup_key, @kind, 'open', @cart_id, @stage, @step, @error_code, @error_message, @amount_value,
          @amount_currency, @amount_from, @source, @run_id, @team, @channel, @route_reason, @first_seen_at,
          @last_seen_at, @raised_at, 1, @escalate_at, @group_key, @silence_id)`),
      cartValue: db.prepare<[string], Money>(
        'SELECT value, currency FROM carts WHERE cart_id = ? AND value IS NOT NULL AND currency IS NOT NULL',
      ),
      repeat: db.prepare(
        'UPDATE exceptions SET count = count + 1, last_seen_at = max(last_seen_at, ?) WHERE id = ?',
      ),
      liveForCartStage: db.prepare<[string, string, number], { id: number }>(
        `SELECT id FROM exceptions WHERE cart_id = ? AND stage = ? AND state != 'resolved'
           AND kind IN (${SETTLED_BY_SUCCESS.map((kind) => `'${kind}'`).join(', ')}) AND last_seen_at <= ?`,
      ),
      liveSlaStalls: db.prepare<[string, string, number], { id: number }>(
        `SELECT id FROM exceptions WHERE cart_id = ? AND state != 'resolved' AND kind = 'stalled'
           AND error_code = ? AND last_seen_at <= ?`,
      ),
      mergeStall: db.prepare(
        'UPDATE exceptions SET error_code = ?, error_message = ?, count = count + 1, last_seen_at = max(last_seen_at, ?) WHERE id = ?',
      ),
      resolveAuto: db.prepare(`UPDATE exceptions SET state = 'resolved', resolution = 'auto', resolved_at = ?,
          resolved_by = ?, escalate_at = NULL, remind_at = NULL, revision = revision + 1 WHERE id = ?`),
      laterSuccess: db.prepare<[string, string, number], { found: number }>(
        `SELECT 1 AS found FROM events WHERE cart_id = ? AND stage = ? AND status = 'succeeded' AND occurred_at > ? LIMIT 1`,
      ),
      audit: db.prepare(
        'INSERT INTO exception_audit (exception_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?)',
      ),
      getCursor: db.prepare<[], { value: number }>("SELECT value FROM cursors WHERE name = 'detector'"),
      setCursor: db.prepare(
        "INSERT INTO cursors (name, value) VALUES ('detector', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  applyDetection(batch: DetectionBatch): DetectionOutcome {
    return writeTransaction(this.db, () => {
      const outcome = emptyDetectionOutcome();
      // Exactly once: a batch read after a cursor that has since moved was applied by someone else.
      if (String(this.s.getCursor.get()?.value ?? 0) !== batch.from) return outcome;
      for (const change of batch.changes) this.applyChange(change, batch.now, outcome);
      outcome.suppressed = this.noise.suppress(batch.suppressed ?? []);
      this.noise.tally(batch.rateTallies ?? []);
      if (batch.rollup) this.trends.recordDetection(batch.rollup);
      this.s.setCursor.run(Number(batch.cursor));
      return outcome;
    })();
  }

  private applyChange(change: DetectionChange, now: number, outcome: DetectionOutcome): void {
    switch (change.type) {
      case 'raise': {
        const result = this.raise(change.facts, change.routing, change.at, now);
        countRaise(outcome, result);
        return;
      }
      case 'resolve':
        for (const { id } of this.s.liveForCartStage.all(change.cartId, change.stage, change.at))
          countResolved(outcome, this.resolveAutomatically(id, now));
        return;
      case 'progress':
        for (const { id } of this.s.liveSlaStalls.all(change.cartId, SLA_EXCEEDED, change.at))
          countResolved(outcome, this.resolveAutomatically(id, now));
        return;
      case 'source_seen':
        countResolved(outcome, this.resolveLive(silentSourceKey(change.source), now));
        return;
    }
  }

  /** Opens an exception, or counts a repeat of the live one with the same dedup key. */
  raise(
    facts: ExceptionFacts,
    routing: Routing,
    at: number,
    now: number,
    options: { repeat?: boolean } = {},
  ) {
    const live = this.s.liveByKey.get(facts.dedupKey);
    if (live) {
      if (options.repeat === false) return 'skipped';
      if (this.addStallReason(live, facts, at, now)) return 'repeated';
      this.s.repeat.run(at, live.id);
      const target = redrawTarget(live, this.silences.isHeld(live));
      // A repeat changes a count, not what anyone must do: its redraw is paced.
      if (target === 'group' && live.group_id !== null)
        this.groups.changed(live.group_id, live.channel, now, 'paced');
      else if (target === 'own') {
        this.outbox.rerender(live.id, live.channel, now, 'paced');
        this.outbox.repeatNote(live.id, live.channel, now);
      }
      return 'repeated';
    }
    // A failure whose cart already succeeded later in that stage (out-of-order webhooks, or a backlog
    // detected late) was settled before anyone could act: it is kept for the record, resolved, unposted.
    const settled =
      maySettleOnArrival(facts) && this.s.laterSuccess.get(facts.cartId, facts.stage, at) !== undefined;
    const value = valueAtRisk(facts, this.cartValue(facts));
    // Held back by a silence: stored and counted like any other, but neither posted nor escalated
    // (nor grouped) until the silence ends and releases it.
    const silence = this.silences.holding(facts, routing.team, now);
    const columns = openingColumns({
      facts,
      routing,
      at,
      now,
      value,
      silence,
      escalateAfterMs: this.policy.escalateAfterMs,
    });
    const id = Number(this.s.insert.run(columns).lastInsertRowid);
    this.s.audit.run(id, now, SYSTEM_ACTOR, 'opened', openedNote(silence));
    if (settled) {
      this.s.resolveAuto.run(now, SYSTEM_ACTOR, id);
      this.s.audit.run(id, now, SYSTEM_ACTOR, 'auto_resolved', SETTLED_ON_ARRIVAL_NOTE);
      return 'opened';
    }
    if (silence === undefined) this.groups.place(id, groupKeyOf(facts, routing.team), routing.channel, now);
    return 'opened';
  }

  /** A second stall rule for the same cart and stage: its reason joins the open stall, in the thread too. */
  private addStallReason(live: ExceptionRow, facts: ExceptionFacts, at: number, now: number): boolean {
    const merged = stallReasonToAdd(live, facts);
    if (merged === undefined) return false;
    this.s.mergeStall.run(merged.errorCode, merged.errorMessage, at, live.id);
    this.s.audit.run(live.id, now, SYSTEM_ACTOR, 'repeated', facts.errorMessage ?? null);
    const row = this.s.byId.get(live.id) as ExceptionRow;
    this.touched(row, now, { type: 'also', reason: facts.errorMessage ?? '' }, 'paced');
    return true;
  }

  /** The cart's known value, when the exception's event carried no amount of its own. */
  private cartValue(facts: ExceptionFacts): Money | undefined {
    const cartId = cartToValue(facts);
    if (cartId === undefined) return undefined;
    const cart = this.s.cartValue.get(cartId);
    return cart && { value: cart.value, currency: cart.currency };
  }

  /**
   * Resolves the live exception with this dedup key, if any (a drained backlog, a source back):
   * how long after it was first seen, or undefined when there was none.
   */
  resolveLive(dedupKey: string, now: number): number | undefined {
    const live = this.s.liveByKey.get(dedupKey);
    return live ? this.resolveAutomatically(live.id, now) : undefined;
  }

  /** Returns how long after it was first seen the exception was resolved. */
  private resolveAutomatically(id: number, now: number): number {
    this.s.resolveAuto.run(now, SYSTEM_ACTOR, id);
    this.s.audit.run(id, now, SYSTEM_ACTOR, 'auto_resolved', null);
    const row = this.s.byId.get(id) as ExceptionRow;
    if (mayDropUnsentPost(row) && this.outbox.dropUnsentPost(row.id, now)) return now - row.first_seen_at;
    this.touched(row, now, { type: 'action', action: 'auto_resolved', actor: SYSTEM_ACTOR }, 'paced');
    return now - row.first_seen_at;
  }

  /**
   * Asks for the message showing this exception to be drawn again: its own (with a thread note,
   * if any), or its group's, whose message counts members rather than telling each one's story.
   * `redraw`: how the messages that count it (its storm's, its team's escalation board) are drawn
   * again; detection's own changes (it recovered, it stalls for another reason too) are paced, like
   * joins, and leave earlier drawings' clicks good.
   */
  touched(row: ExceptionRow, now: number, note?: ThreadNote, redraw: Redraw = 'now'): void {
    const target = redrawTarget(row, this.silences.isHeld(row));
    if (target === 'none') return;
    this.boards.exceptionChanged(row, now, redraw);
    if (target === 'group' && row.group_id !== null) {
      this.groups.changed(row.group_id, row.channel, now, redraw);
      return;
    }
    this.outbox.rerender(row.id, row.channel, now);
    if (note !== undefined) this.outbox.threadNote(row.id, row.channel, note, now);
  }
}

import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import type { Money } from '../../domain/event.js';
import { type ExceptionFacts, groupKeyOf, type Routing, SYSTEM_ACTOR } from '../../domain/exception.js';
import { SLA_EXCEEDED, silentSourceKey } from '../../domain/sweep-rules.js';
import type {
  ActionInput,
  ActionOutcome,
  DetectionBatch,
  DetectionChange,
  DetectionOutcome,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  ReassignInput,
  ThreadNote,
} from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import {
  actionColumns,
  actionIsStale,
  actionNote,
  cartToValue,
  countRaise,
  countResolved,
  emptyDetectionOutcome,
  mayDropUnsentPost,
  maySettleOnArrival,
  NEXT_STATE,
  openedNote,
  openingColumns,
  reassignIsStale,
  redrawTarget,
  SETTLED_BY_SUCCESS,
  SETTLED_ON_ARRIVAL_NOTE,
  type StateColumns,
  stallReasonToAdd,
  valueAtRisk,
} from '../shared/exception-plans.js';
import {
  type GroupAction,
  groupActionIsStale,
  groupActionNote,
  groupAuditNote,
  reassignPlan,
} from '../shared/handoff-plans.js';
import type { EphemeralInput } from '../store.js';
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
      setState: db.prepare<StateColumns & { id: number }>(`UPDATE exceptions SET state = @state,
          assignee = @assignee, acknowledged_at = @acknowledged_at, resolution = @resolution,
          resolved_at = @resolved_at, resolved_by = @resolved_by, escalate_at = @escalate_at,
          remind_at = @remind_at, escalation_level = @escalation_level, revision = revision + 1 WHERE id = @id`),
      move: db.prepare(`UPDATE exceptions SET team = ?, channel = ?, route_reason = ?, slack_ts = NULL,
          revision = revision + 1 WHERE id = ?`),
      assign: db.prepare(`UPDATE exceptions SET assignee = ?, state = 'open', acknowledged_at = NULL,
          escalate_at = ?, escalation_level = 0, remind_at = NULL, revision = revision + 1 WHERE id = ?`),
      laterSuccess: db.prepare<[string, string, number], { found: number }>(
        `SELECT 1 AS found FROM events WHERE cart_id = ? AND stage = ? AND status = 'succeeded' AND occurred_at > ? LIMIT 1`,
      ),
      leaveGroup: db.prepare('UPDATE exceptions SET group_id = NULL WHERE id = ?'),
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
      if (target === 'group' && live.group_id !== null) this.groups.changed(live.group_id, live.channel, now);
      else if (target === 'own') {
        this.outbox.rerender(live.id, live.channel, now);
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
    this.touched(row, now, { type: 'also', reason: facts.errorMessage ?? '' });
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
    this.touched(row, now, { type: 'action', action: 'auto_resolved', actor: SYSTEM_ACTOR });
    return now - row.first_seen_at;
  }

  /**
   * Asks for the message showing this exception to be drawn again: its own (with a thread note,
   * if any), or its group's, whose message counts members rather than telling each one's story.
   */
  touched(row: ExceptionRow, now: number, note?: ThreadNote): void {
    const target = redrawTarget(row, this.silences.isHeld(row));
    if (target === 'none') return;
    this.boards.exceptionChanged(row, now);
    if (target === 'group' && row.group_id !== null) {
      this.groups.changed(row.group_id, row.channel, now);
      return;
    }
    this.outbox.rerender(row.id, row.channel, now);
    if (note !== undefined) this.outbox.threadNote(row.id, row.channel, note, now);
  }

  applyAction(input: ActionInput): ActionOutcome {
    return writeTransaction(this.db, (): ActionOutcome => {
      const row = this.s.byId.get(input.exceptionId);
      if (!row) return { ok: false, reason: 'not_found' };
      if (actionIsStale(row, input)) {
        // Whatever the clicker saw is out of date: show them the current state.
        this.touched(row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      this.s.setState.run({ ...actionColumns(row, input, this.policy), id: row.id });
      this.s.audit.run(row.id, input.at, input.actor, NEXT_STATE[input.action].audit, input.note ?? null);
      this.touched(row, input.at, actionNote(input));
      return { ok: true, exception: toException(this.s.byId.get(row.id) as ExceptionRow) };
    })();
  }

  /** Hands an exception to another team (a new message in its channel) and/or person; its clock carries over. */
  applyReassign(input: ReassignInput): ActionOutcome {
    return writeTransaction(this.db, (): ActionOutcome => {
      const row = this.s.byId.get(input.exceptionId);
      if (!row) return { ok: false, reason: 'not_found' };
      if (reassignIsStale(row, input.revision)) {
        this.touched(row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      const plan = reassignPlan(row, input, this.policy.escalateAfterMs);
      // Handed on, it leaves the board it was on (its escalation starts over with its new owner).
      this.boards.exceptionChanged(row, input.at);
      if (plan.leaveGroup !== undefined) {
        this.s.leaveGroup.run(row.id);
        this.groups.changed(plan.leaveGroup, row.channel, input.at);
      }
      if (plan.ownMessage === 'rerender') this.outbox.rerender(row.id, row.channel, input.at);
      else if (plan.ownMessage === 'post') this.outbox.post(row.id, row.channel, input.at);
      if (plan.movedFrom !== undefined)
        this.outbox.moved(row.id, plan.movedFrom.channel, plan.movedFrom.ts, input.actor, input.at);
      if (plan.team !== undefined) {
        this.s.move.run(plan.team.name, plan.team.channel, plan.routeReason, row.id);
        this.outbox.post(row.id, plan.team.channel, input.at);
      }
      if (plan.assign !== undefined) this.s.assign.run(plan.assign.assignee, plan.assign.escalateAt, row.id);
      this.s.audit.run(row.id, input.at, input.actor, 'reassigned', plan.audit);
      if (plan.threadIn !== undefined) this.outbox.threadNote(row.id, plan.threadIn, plan.handoff, input.at);
      else this.touched(row, input.at, plan.handoff);
      return { ok: true, exception: toException(this.s.byId.get(row.id) as ExceptionRow) };
    })();
  }

  /** "Acknowledge all": every open member of a storm, each with its own audit entry, in one transaction. */
  acknowledgeGroup(input: GroupActionInput): GroupActionOutcome {
    const outcome = this.changeGroup(input, 'acknowledge');
    if (!outcome.ok) return outcome;
    return { ok: true, acknowledged: outcome.afterMs.length, acknowledgedAfterMs: outcome.afterMs };
  }

  /** "Resolve all": every open and acknowledged member of a storm, each with its own audit entry. */
  resolveGroup(input: GroupResolveInput): GroupResolveOutcome {
    const outcome = this.changeGroup(input, 'resolve');
    if (!outcome.ok) return outcome;
    return { ok: true, resolved: outcome.afterMs.length, resolvedAfterMs: outcome.afterMs };
  }

  /**
   * A storm's members changed together in one transaction, each with its own audit entry, and one
   * reply in the storm's thread saying who did it to how many. A click on an older drawing of the
   * message changes nothing. `afterMs`: for each member, how long after it was first seen.
   */
  private changeGroup(input: GroupResolveInput, action: GroupAction) {
    return writeTransaction(this.db, () => {
      const revision = this.groups.revisionOf(input.groupId);
      if (revision === undefined) return { ok: false as const, reason: 'not_found' as const };
      const members = this.groups.members(input.groupId, action);
      const first = this.s.byId.get(members[0] ?? -1);
      const channel = first?.channel;
      if (groupActionIsStale(revision, input)) {
        if (channel !== undefined) this.groups.changed(input.groupId, channel, input.at);
        return { ok: false as const, reason: 'stale' as const };
      }
      // Asked before the change: acknowledged or resolved, the storm leaves its team's board.
      const listed = this.boards.listsStorm(input.groupId);
      const auditNote = groupAuditNote(input.note);
      const afterMs: number[] = [];
      for (const id of members) {
        const row = this.s.byId.get(id) as ExceptionRow;
        afterMs.push(input.at - row.first_seen_at);
        this.s.setState.run({ ...actionColumns(row, { ...input, action }, this.policy), id });
        this.s.audit.run(id, input.at, input.actor, NEXT_STATE[action].audit, auditNote);
      }
      if (channel !== undefined && members[0] !== undefined) {
        const note = groupActionNote(action, input, members.length);
        this.outbox.threadNote(members[0], channel, note, input.at, input.groupId);
        this.groups.changed(input.groupId, channel, input.at);
        if (listed && first !== undefined) this.boards.changed(first.team, input.at);
      }
      return { ok: true as const, afterMs };
    })();
  }

  enqueueEphemeral(input: EphemeralInput): void {
    this.outbox.ephemeral(input);
  }
}

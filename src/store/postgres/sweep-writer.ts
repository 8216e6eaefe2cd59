import type { DuePolicy } from '../../domain/due-policy.js';
import type { SweepBatch, SweepClaim, SweepOutcome } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { countResolved } from '../shared/exception-plans.js';
import {
  claimKey,
  claimsOf,
  emptySweepOutcome,
  oncePerStorm,
  planEscalation,
  planReminder,
  raiseOptions,
  type StormMember,
  stallTally,
  stormReminder,
  stormSpokesman,
} from '../shared/sweep-plans.js';
import type { HoldBackInput } from '../silence-types.js';
import { type Sql, type Tx, transaction } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';
import type { NoiseWriter } from './noise-writer.js';
import type { TrendWriter } from './trend-writer.js';

type DueClaim = Extract<SweepClaim, { type: 'stall' | 'expect' }>;

/**
 * Applies what the due-time sweep found, on Postgres, where several instances sweep at once. The due
 * rows (stalls, expectations, exceptions to escalate or remind of) are claimed with FOR UPDATE SKIP
 * LOCKED in the transaction that acts on them, and each still checks the due time it was read with:
 * of two sweeps at once, one acts and the other finds nothing left (or skips what is being acted on,
 * to find it gone next time). What each step writes is decided in shared/sweep-plans.ts.
 */
export class SweepWriter {
  constructor(
    private readonly sql: Sql,
    private readonly writers: { exceptions: ExceptionWriter; noise: NoiseWriter; trends: TrendWriter },
    private readonly policy: DuePolicy,
  ) {}

  apply(batch: SweepBatch): Promise<SweepOutcome> {
    return transaction(this.sql, async (tx) => {
      const { exceptions, noise, trends } = this.writers;
      const outcome = emptySweepOutcome();
      const claimed = await claimDueRows(tx, claimsOf(batch));
      const got = (claim: SweepClaim) => claim.type === 'once' || claimed.has(claimKey(claim));
      for (const raise of batch.raises) {
        if (!got(raise.claim)) continue;
        const options = raiseOptions(raise.claim);
        const result = await exceptions.raise(tx, raise.facts, raise.routing, raise.at, batch.now, options);
        if (result !== 'opened') continue;
        outcome.opened += 1;
        const tally = stallTally(raise);
        if (tally) await trends.stall(tx, tally);
      }
      // A suppressed stall is claimed like a raised one, so it is counted once and not found again.
      for (const item of batch.suppressed ?? []) {
        if (!got(item.claim)) continue;
        await noise.suppress(tx, [item]);
        outcome.suppressed = [...(outcome.suppressed ?? []), item.reason];
      }
      for (const step of batch.rates ?? []) await noise.applyRateStep(tx, step, batch.now, outcome);
      for (const { dedupKey } of batch.resolves)
        countResolved(outcome, await exceptions.resolveLive(tx, dedupKey, batch.now));
      const ids = [...batch.escalations.map((s) => s.id), ...batch.reminders.map((s) => s.id)];
      const locked = await lockExceptions(tx, ids);
      const spokesman = oncePerStorm(async (groupId) => stormSpokesman(await stormMembers(tx, groupId)));
      for (const step of batch.escalations)
        if (await this.escalate(tx, locked.get(step.id), step, batch, spokesman)) outcome.escalated += 1;
      const reminderOf = oncePerStorm(async (groupId) => stormReminder(await stormMembers(tx, groupId)));
      for (const step of batch.reminders)
        if (await this.remind(tx, locked.get(step.id), step, batch.now, reminderOf)) outcome.reminded += 1;
      return outcome;
    });
  }

  /** Due checks a maintenance window holds back wait for its end, unconsumed. */
  holdBack(input: HoldBackInput): Promise<void> {
    return transaction(this.sql, async (tx) => {
      for (const { claim, until } of input.items) {
        if (claim.type === 'stall')
          await tx`UPDATE carts SET stall_due_at = ${until}
            WHERE cart_id = ${claim.cartId} AND stall_due_at = ${claim.dueAt}`;
        else
          await tx`UPDATE expectations SET due_at = ${until}
            WHERE cart_id = ${claim.cartId} AND rule = ${claim.rule} AND due_at = ${claim.dueAt}`;
      }
    });
  }

  private async escalate(
    tx: Tx,
    row: ExceptionRow | undefined,
    step: SweepBatch['escalations'][number],
    batch: SweepBatch,
    spokesmanOf: (groupId: number) => Promise<number | undefined>,
  ): Promise<boolean> {
    const spokesmanId = row?.group_id != null ? await spokesmanOf(row.group_id) : undefined;
    const plan = planEscalation(row, step, {
      policy: this.policy,
      ...(batch.escalationChannel !== undefined && { escalationChannel: batch.escalationChannel }),
      ...(spokesmanId != null && { spokesmanId }),
    });
    if (plan.type === 'skip' || row === undefined) return false;
    if (plan.type === 'stand_down') {
      await tx`UPDATE exceptions SET escalation_level = ${plan.level}, escalate_at = NULL WHERE id = ${row.id}`;
      return false;
    }
    const { exceptions } = this.writers;
    const groupId = row.group_id ?? undefined;
    if (plan.threadNote)
      await exceptions.outbox.threadNote(tx, row.id, row.channel, plan.threadNote, batch.now, groupId);
    if (plan.board) await exceptions.boards.escalated(tx, { ...plan.board, now: batch.now });
    await tx`UPDATE exceptions SET escalation_level = ${plan.level}, escalate_at = ${plan.escalateAt}
      WHERE id = ${row.id}`;
    return true;
  }

  private async remind(
    tx: Tx,
    row: ExceptionRow | undefined,
    step: SweepBatch['reminders'][number],
    now: number,
    reminderOf: (groupId: number) => Promise<number | undefined>,
  ): Promise<boolean> {
    const reminderId = row?.group_id != null ? await reminderOf(row.group_id) : undefined;
    const plan = planReminder(row, step, {
      now,
      policy: this.policy,
      ...(reminderId != null && { reminderId }),
    });
    if (plan.type === 'skip' || row === undefined) return false;
    if (plan.note)
      await this.writers.exceptions.outbox.threadNote(
        tx,
        row.id,
        row.channel,
        plan.note,
        now,
        row.group_id ?? undefined,
      );
    await tx`UPDATE exceptions SET remind_at = ${plan.remindAt} WHERE id = ${row.id}`;
    return true;
  }
}

/**
 * Consumes the batch's due stalls and expectations still as they were read, skipping any another
 * transaction holds (another instance's sweep, or ingest moving the cart): those are left for it.
 * Returns the claims it got, by claimKey. Rows are locked in key order, so sweeps never deadlock.
 */
async function claimDueRows(tx: Tx, claims: readonly DueClaim[]): Promise<Set<string>> {
  const stalls = claims.flatMap((c) => (c.type === 'stall' ? [c] : []));
  const expects = claims.flatMap((c) => (c.type === 'expect' ? [c] : []));
  const got = new Set<string>();
  if (stalls.length > 0) {
    const rows = await tx<{ cart_id: string; due_at: number }[]>`
      WITH due AS (
        SELECT c.cart_id, c.stall_due_at AS due_at FROM carts c
        JOIN unnest(${stalls.map((c) => c.cartId)}::text[], ${stalls.map((c) => c.dueAt)}::bigint[])
          AS u (cart_id, due_at) ON c.cart_id = u.cart_id AND c.stall_due_at = u.due_at
        ORDER BY c.cart_id FOR UPDATE OF c SKIP LOCKED)
      UPDATE carts SET stall_due_at = NULL FROM due WHERE carts.cart_id = due.cart_id
      RETURNING due.cart_id, due.due_at`;
    for (const row of rows) got.add(claimKey({ type: 'stall', cartId: row.cart_id, dueAt: row.due_at }));
  }
  if (expects.length > 0) {
    const rows = await tx<{ cart_id: string; rule: string; due_at: number }[]>`
      WITH due AS (
        SELECT x.cart_id, x.rule, x.due_at FROM expectations x
        JOIN unnest(${expects.map((c) => c.cartId)}::text[], ${expects.map((c) => c.rule)}::text[],
          ${expects.map((c) => c.dueAt)}::bigint[]) AS u (cart_id, rule, due_at)
          ON x.cart_id = u.cart_id AND x.rule = u.rule AND x.due_at = u.due_at
        ORDER BY x.cart_id, x.rule FOR UPDATE OF x SKIP LOCKED)
      DELETE FROM expectations x USING due WHERE x.cart_id = due.cart_id AND x.rule = due.rule
      RETURNING due.cart_id, due.rule, due.due_at`;
    for (const row of rows)
      got.add(claimKey({ type: 'expect', cartId: row.cart_id, rule: row.rule, dueAt: row.due_at }));
  }
  return got;
}

/** The exceptions to escalate or remind of, locked in id order; those another transaction holds are skipped. */
async function lockExceptions(tx: Tx, ids: readonly number[]): Promise<Map<number, ExceptionRow>> {
  if (ids.length === 0) return new Map();
  const rows = await tx<ExceptionRow[]>`
    SELECT * FROM exceptions WHERE id = ANY(${[...new Set(ids)]}::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED`;
  return new Map(rows.map((row) => [row.id, row]));
}

/** A storm's live members: which of them speaks for it is shared/sweep-plans.ts's call. */
function stormMembers(tx: Tx, groupId: number): Promise<StormMember[]> {
  return tx<StormMember[]>`SELECT id, state, escalate_at, escalation_level, remind_at FROM exceptions
    WHERE group_id = ${groupId} AND state != 'resolved'`;
}

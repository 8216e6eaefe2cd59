import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import type { SweepBatch, SweepClaim, SweepOutcome } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { countResolved } from '../shared/exception-plans.js';
import {
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
import type { ExceptionWriter } from './exception-writer.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Applies what the due-time sweep found. Each due row is claimed (cleared) in the same transaction
 * as the exception it raises, and each escalation step checks the due time it was read with, so a
 * sweep that runs twice, or after a restart, or beside a click, acts once. What each step writes is
 * decided in shared/sweep-plans.ts.
 */
export class SweepWriter {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly exceptions: ExceptionWriter,
    private readonly policy: DuePolicy,
  ) {
    this.s = {
      claimStall: db.prepare('UPDATE carts SET stall_due_at = NULL WHERE cart_id = ? AND stall_due_at = ?'),
      claimExpectation: db.prepare('DELETE FROM expectations WHERE cart_id = ? AND rule = ? AND due_at = ?'),
      byId: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?'),
      escalate: db.prepare('UPDATE exceptions SET escalation_level = ?, escalate_at = ? WHERE id = ?'),
      // Its live members: which of them speaks for the storm is shared/sweep-plans.ts's call.
      stormMembers: db.prepare<[number], StormMember>(
        `SELECT id, state, escalate_at, escalation_level, remind_at FROM exceptions
         WHERE group_id = ? AND state != 'resolved'`,
      ),
      remind: db.prepare('UPDATE exceptions SET remind_at = ? WHERE id = ?'),
    };
  }

  apply(batch: SweepBatch): SweepOutcome {
    return writeTransaction(this.db, () => {
      const outcome = emptySweepOutcome();
      for (const raise of batch.raises) {
        if (!this.claim(raise.claim)) continue;
        const options = raiseOptions(raise.claim);
        const result = this.exceptions.raise(raise.facts, raise.routing, raise.at, batch.now, options);
        if (result !== 'opened') continue;
        outcome.opened += 1;
        const tally = stallTally(raise);
        if (tally) this.exceptions.trends.stall(tally);
      }
      // A suppressed stall is claimed like a raised one, so it is counted once and not found again.
      for (const item of batch.suppressed ?? []) {
        if (!this.claim(item.claim)) continue;
        this.exceptions.noise.suppress([item]);
        outcome.suppressed = [...(outcome.suppressed ?? []), item.reason];
      }
      for (const step of batch.rates ?? []) this.exceptions.noise.applyRateStep(step, batch.now, outcome);
      for (const { dedupKey } of batch.resolves) {
        countResolved(outcome, this.exceptions.resolveLive(dedupKey, batch.now));
      }
      const spokesman = oncePerStorm((groupId) => stormSpokesman(this.s.stormMembers.all(groupId)));
      for (const step of batch.escalations) if (this.escalate(step, batch, spokesman)) outcome.escalated += 1;
      const reminderOf = oncePerStorm((groupId) => stormReminder(this.s.stormMembers.all(groupId)));
      for (const step of batch.reminders) if (this.remind(step, batch.now, reminderOf)) outcome.reminded += 1;
      for (const drop of batch.drops) this.claim(drop);
      return outcome;
    })();
  }

  private claim(claim: SweepClaim): boolean {
    if (claim.type === 'stall') return this.s.claimStall.run(claim.cartId, claim.dueAt).changes > 0;
    if (claim.type === 'expect')
      return this.s.claimExpectation.run(claim.cartId, claim.rule, claim.dueAt).changes > 0;
    return true;
  }

  private escalate(
    step: SweepBatch['escalations'][number],
    batch: SweepBatch,
    spokesmanOf: (groupId: number) => number | undefined,
  ): boolean {
    const row = this.s.byId.get(step.id);
    const spokesmanId = row?.group_id != null ? spokesmanOf(row.group_id) : undefined;
    const plan = planEscalation(row, step, {
      policy: this.policy,
      ...(batch.escalationChannel !== undefined && { escalationChannel: batch.escalationChannel }),
      ...(spokesmanId != null && { spokesmanId }),
    });
    if (plan.type === 'skip' || row === undefined) return false;
    if (plan.type === 'stand_down') {
      this.s.escalate.run(plan.level, null, row.id);
      return false;
    }
    const groupId = row.group_id ?? undefined;
    if (plan.threadNote)
      this.exceptions.outbox.threadNote(row.id, row.channel, plan.threadNote, batch.now, groupId);
    if (plan.board) this.exceptions.boards.escalated({ ...plan.board, now: batch.now });
    this.s.escalate.run(plan.level, plan.escalateAt, row.id);
    return true;
  }

  private remind(
    step: SweepBatch['reminders'][number],
    now: number,
    reminderOf: (groupId: number) => number | undefined,
  ): boolean {
    const row = this.s.byId.get(step.id);
    const reminderId = row?.group_id != null ? reminderOf(row.group_id) : undefined;
    const plan = planReminder(row, step, {
      now,
      policy: this.policy,
      ...(reminderId != null && { reminderId }),
    });
    if (plan.type === 'skip' || row === undefined) return false;
    if (plan.note)
      this.exceptions.outbox.threadNote(row.id, row.channel, plan.note, now, row.group_id ?? undefined);
    this.s.remind.run(plan.remindAt, row.id);
    return true;
  }
}

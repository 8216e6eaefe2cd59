import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import type { SweepBatch, SweepClaim, SweepOutcome } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { countResolved, type ExceptionWriter } from './exception-writer.js';

/**
 * Applies what the due-time sweep found. Each due row is claimed (cleared) in the same transaction
 * as the exception it raises, and each escalation step checks the due time it was read with, so a
 * sweep that runs twice, or after a restart, or beside a click, acts once.
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
      groupSpokesman: db.prepare<[number], { id: number }>(
        "SELECT min(id) AS id FROM exceptions WHERE group_id = ? AND state = 'open' AND escalate_at IS NOT NULL",
      ),
      remind: db.prepare('UPDATE exceptions SET remind_at = ? WHERE id = ?'),
      // A storm is reminded of once, through its message: by its first acknowledged member.
      groupReminder: db.prepare<[number], { id: number }>(
        "SELECT min(id) AS id FROM exceptions WHERE group_id = ? AND state = 'acknowledged' AND remind_at IS NOT NULL",
      ),
    };
  }

  apply(batch: SweepBatch): SweepOutcome {
    return this.db.transaction(() => {
      const outcome: SweepOutcome = {
        opened: 0,
        resolved: 0,
        resolvedAfterMs: [],
        escalated: 0,
        reminded: 0,
      };
      for (const raise of batch.raises) {
        if (!this.claim(raise.claim)) continue;
        const result = this.exceptions.raise(raise.facts, raise.routing, raise.at, batch.now, {
          repeat: raise.claim.type !== 'once',
        });
        if (result !== 'opened') continue;
        outcome.opened += 1;
        const { facts, routing, at } = raise;
        if (facts.kind === 'stalled')
          this.exceptions.trends.stall({ team: routing.team, stage: facts.stage, step: facts.step, at });
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
      for (const step of batch.escalations) if (this.escalate(step, batch)) outcome.escalated += 1;
      for (const step of batch.reminders) if (this.remind(step, batch.now)) outcome.reminded += 1;
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

  /**
   * First the team is mentioned in the thread; after twice the wait, it joins its team's board in
   * the escalation channel (one living message per team, not a post per exception).
   */
  private escalate(step: SweepBatch['escalations'][number], batch: SweepBatch): boolean {
    const row = this.s.byId.get(step.id);
    if (row?.state !== 'open' || row.escalate_at !== step.escalateAt) return false;
    const groupId = row.group_id ?? undefined;
    // A storm escalates once, through its oldest open member; the others stand down.
    if (groupId !== undefined && this.s.groupSpokesman.get(groupId)?.id !== row.id) {
      this.s.escalate.run(row.escalation_level, null, row.id);
      return false;
    }
    const level = row.escalation_level + 1;
    const waitedMs = this.policy.escalateAfterMs * level;
    const outbox = this.exceptions.outbox;
    if (level === 1) {
      const mention = step.mention === undefined ? {} : { mention: step.mention };
      outbox.threadNote(
        row.id,
        row.channel,
        { type: 'escalation', waitedMs, ...mention },
        batch.now,
        groupId,
      );
    } else if (batch.escalationChannel !== undefined) {
      const storm = groupId === undefined ? {} : { groupId };
      this.exceptions.boards.escalated({
        team: row.team,
        channel: batch.escalationChannel,
        now: batch.now,
        ...storm,
      });
    }
    const hasNextStep = level === 1 && batch.escalationChannel !== undefined;
    this.s.escalate.run(level, hasNextStep ? step.escalateAt + this.policy.escalateAfterMs : null, row.id);
    return true;
  }

  private remind(step: SweepBatch['reminders'][number], now: number): boolean {
    const row = this.s.byId.get(step.id);
    if (row?.state !== 'acknowledged' || row.remind_at !== step.remindAt || row.assignee === null)
      return false;
    const waitedMs = now - (row.acknowledged_at ?? now);
    // A storm's members have no message of their own: one reminder goes to the storm's thread.
    const groupId = row.group_id ?? undefined;
    if (groupId === undefined || this.s.groupReminder.get(groupId)?.id === row.id) {
      const note = { type: 'reminder' as const, assignee: row.assignee, waitedMs };
      this.exceptions.outbox.threadNote(row.id, row.channel, note, now, groupId);
    }
    this.s.remind.run(now + this.policy.remindAfterMs, row.id);
    return true;
  }
}

import type { DuePolicy } from '../../domain/due-policy.js';
import { SYSTEM_ACTOR } from '../../domain/exception.js';
import { snoozeNote, wakeFromSnooze } from '../../domain/snooze.js';
import type { ActionOutcome } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import { reassignIsStale } from '../shared/exception-plans.js';
import type { SnoozeInput } from '../silence-types.js';
import type { Tx } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';

/**
 * Snoozes of one exception: set from its message, and ended by the sweep, each with its audit
 * entry and thread note. While snoozed the due queries skip it; its end arms escalation (or the
 * reminders) again from the snooze's end, as domain/snooze.ts decides.
 */
export class SnoozeWriter {
  constructor(
    private readonly exceptions: ExceptionWriter,
    private readonly policy: DuePolicy,
  ) {}

  /**
   * Snoozes an exception from its message: its escalation starts over when the snooze ends (and
   * its place on the escalation board, if any, is given up now). The row is locked first, so a
   * click racing another change sees the change or is refused as stale.
   */
  async snooze(tx: Tx, input: SnoozeInput): Promise<ActionOutcome> {
    const row = await this.exceptions.lockById(tx, input.exceptionId);
    if (row === undefined) return { ok: false, reason: 'not_found' };
    // Refused like a handoff: an older drawing was clicked, or it was resolved meanwhile.
    if (reassignIsStale(row, input.revision)) {
      await this.exceptions.touched(tx, row, input.at);
      return { ok: false, reason: 'stale', exception: toException(row) };
    }
    const [snoozed] = await tx<ExceptionRow[]>`
      UPDATE exceptions SET snoozed_until = ${input.until}, snoozed_by = ${input.actor}, escalate_at = NULL,
        remind_at = NULL, escalation_level = 0, revision = revision + 1
      WHERE id = ${row.id} RETURNING *`;
    await this.exceptions.audit(tx, row.id, input.at, input.actor, 'snoozed', snoozeNote(input.until));
    // Read before the change: a place it held on the escalation board is redrawn away.
    await this.exceptions.touched(tx, row, input.at, {
      type: 'snoozed',
      actor: input.actor,
      until: input.until,
    });
    return { ok: true, exception: toException(snoozed as ExceptionRow) };
  }

  /**
   * Ends the snoozes that ran out by `now` (at most `limit`); returns how many. Each is claimed with
   * SKIP LOCKED, so instances sweeping at once end each snooze once.
   */
  async wakeDue(tx: Tx, now: number, limit: number): Promise<number> {
    const due = await tx<ExceptionRow[]>`
      SELECT * FROM exceptions WHERE snoozed_until IS NOT NULL AND snoozed_until <= ${now}
      ORDER BY snoozed_until, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
    for (const row of due) await this.wake(tx, row, now);
    return due.length;
  }

  private async wake(tx: Tx, row: ExceptionRow, now: number): Promise<void> {
    const wake = wakeFromSnooze(toException(row), this.policy, now);
    await tx`UPDATE exceptions SET snoozed_until = NULL, snoozed_by = NULL, escalate_at = ${wake.escalateAt},
        escalation_level = ${wake.escalationLevel}, remind_at = ${wake.remindAt}, revision = revision + 1
      WHERE id = ${row.id}`;
    if (wake.told === undefined) return;
    await this.exceptions.audit(tx, row.id, now, SYSTEM_ACTOR, 'snooze_ended');
    await this.exceptions.touched(tx, row, now, { type: 'snooze_ended', ...wake.told });
  }
}

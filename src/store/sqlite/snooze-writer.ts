import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import { SYSTEM_ACTOR } from '../../domain/exception.js';
import { snoozeNote, wakeFromSnooze } from '../../domain/snooze.js';
import type { ActionOutcome } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import { reassignIsStale } from '../shared/exception-plans.js';
import type { SnoozeInput } from '../silence-types.js';
import type { ExceptionWriter } from './exception-writer.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Snoozes of one exception: set from its message, and ended by the sweep, each with its audit
 * entry and thread note. While snoozed the due queries skip it; its end arms escalation (or the
 * reminders) again from the snooze's end.
 */
export class SnoozeWriter {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly exceptions: ExceptionWriter,
    private readonly policy: DuePolicy,
  ) {
    this.s = {
      exception: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?'),
      snooze: db.prepare(`UPDATE exceptions SET snoozed_until = ?, snoozed_by = ?, escalate_at = NULL,
          remind_at = NULL, escalation_level = 0, revision = revision + 1 WHERE id = ?`),
      due: db.prepare<[number, number], ExceptionRow>(
        `SELECT * FROM exceptions WHERE snoozed_until IS NOT NULL AND snoozed_until <= ?
           ORDER BY snoozed_until, id LIMIT ?`,
      ),
      wake: db.prepare(`UPDATE exceptions SET snoozed_until = NULL, snoozed_by = NULL, escalate_at = ?,
          escalation_level = ?, remind_at = ?, revision = revision + 1 WHERE id = ?`),
      audit: db.prepare(
        'INSERT INTO exception_audit (exception_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  /**
   * Snoozes an exception from its message: its escalation starts over when the snooze ends (and
   * its place on the escalation board, if any, is given up now).
   */
  snooze(input: SnoozeInput): ActionOutcome {
    return writeTransaction(this.db, (): ActionOutcome => {
      const row = this.s.exception.get(input.exceptionId);
      if (row === undefined) return { ok: false, reason: 'not_found' };
      // Refused like a handoff: an older drawing was clicked, or it was resolved meanwhile.
      if (reassignIsStale(row, input.revision)) {
        this.exceptions.touched(row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      this.s.snooze.run(input.until, input.actor, row.id);
      this.s.audit.run(row.id, input.at, input.actor, 'snoozed', snoozeNote(input.until));
      // Read before the change: a place it held on the escalation board is redrawn away.
      this.exceptions.touched(row, input.at, { type: 'snoozed', actor: input.actor, until: input.until });
      return { ok: true, exception: toException(this.s.exception.get(row.id) as ExceptionRow) };
    })();
  }

  /** Ends the snoozes that ran out by `now` (at most `limit`); returns how many. */
  wakeDue(now: number, limit: number): number {
    const due = this.s.due.all(now, limit);
    for (const row of due) this.wake(row, now);
    return due.length;
  }

  /** Still unresolved: its escalation (or its reminders) start over from the snooze's end. */
  private wake(row: ExceptionRow, now: number): void {
    const wake = wakeFromSnooze(toException(row), this.policy, now);
    this.s.wake.run(wake.escalateAt, wake.escalationLevel, wake.remindAt, row.id);
    if (wake.told === undefined) return;
    this.s.audit.run(row.id, now, SYSTEM_ACTOR, 'snooze_ended', null);
    this.exceptions.touched(row, now, { type: 'snooze_ended', ...wake.told });
  }
}

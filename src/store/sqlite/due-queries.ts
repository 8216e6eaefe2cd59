import type Database from 'better-sqlite3';
import type { Stage } from '../../domain/event.js';
import type { DueWork, SourceActivity } from '../exception-types.js';
import {
  type BacklogRow,
  type ExpectationRow,
  type SourceRow,
  type StallRow,
  toBacklog,
  toExpectation,
  toSourceActivity,
  toStall,
  toWaitingCart,
  type WaitingRow,
} from '../rows/due-rows.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { WaitingCart } from '../status-types.js';

/** Reads for the sweep. Each walks a due-time index from the oldest entry: its cost is what is due. */
export class DueQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      stalls: db.prepare<[number, number], StallRow>(
        `SELECT cart_id, stage, step, stall_due_at, last_progress_at, value, currency FROM carts
         WHERE stall_due_at IS NOT NULL AND stall_due_at <= ? ORDER BY stall_due_at LIMIT ?`,
      ),
      expectations: db.prepare<[number, number], ExpectationRow>(
        `SELECT x.cart_id, x.rule, x.after_at, x.due_at, c.value, c.currency FROM expectations x
         LEFT JOIN carts c ON c.cart_id = x.cart_id WHERE x.due_at <= ? ORDER BY x.due_at LIMIT ?`,
      ),
      // A snoozed exception is neither escalated nor reminded of; its snooze's end arms both again.
      escalations: db.prepare<[number, number], ExceptionRow>(
        `SELECT * FROM exceptions WHERE escalate_at IS NOT NULL AND escalate_at <= ? AND snoozed_until IS NULL
         ORDER BY escalate_at LIMIT ?`,
      ),
      reminders: db.prepare<[number, number], ExceptionRow>(
        `SELECT * FROM exceptions WHERE remind_at IS NOT NULL AND remind_at <= ? AND snoozed_until IS NULL
         ORDER BY remind_at LIMIT ?`,
      ),
      backlog: db.prepare<[string], BacklogRow>(
        "SELECT count(*) AS waiting, min(last_progress_at) AS oldest FROM carts WHERE stage = ? AND status = 'started'",
      ),
      // Through carts_by_stage_status, oldest first: reads only the carts it lists.
      waiting: db.prepare<[string, number], WaitingRow>(
        `SELECT cart_id, step, last_progress_at, value, currency FROM carts
         WHERE stage = ? AND status = 'started' ORDER BY last_progress_at LIMIT ?`,
      ),
      sources: db.prepare<[], SourceRow>('SELECT name, last_seen_at, last_stage FROM sources'),
    };
  }

  dueWork(now: number, limit: number): DueWork {
    return {
      stalls: this.s.stalls.all(now, limit).map(toStall),
      expectations: this.s.expectations.all(now, limit).map(toExpectation),
      escalations: this.s.escalations.all(now, limit).map(toException),
      reminders: this.s.reminders.all(now, limit).map(toException),
    };
  }

  backlogOf(stage: Stage): { waiting: number; oldestAt?: number } {
    return toBacklog(this.s.backlog.get(stage));
  }

  waitingCarts(stage: Stage, limit: number): WaitingCart[] {
    return this.s.waiting.all(stage, limit).map(toWaitingCart);
  }

  sourceActivity(): Map<string, SourceActivity> {
    return toSourceActivity(this.s.sources.all());
  }
}

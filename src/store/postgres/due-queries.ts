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
import type { Sql } from './connection.js';

/**
 * Reads for the sweep. Each walks a due-time index from the oldest entry: its cost is what is due.
 * They only read: the sweep claims what it acts on in applySweep's own transaction.
 */
export class DueQueries {
  constructor(private readonly sql: Sql) {}

  async dueWork(now: number, limit: number): Promise<DueWork> {
    const sql = this.sql;
    const [stalls, expectations, escalations, reminders] = await Promise.all([
      sql<StallRow[]>`
        SELECT cart_id, stage, step, stall_due_at, last_progress_at, value, currency FROM carts
        WHERE stall_due_at IS NOT NULL AND stall_due_at <= ${now} ORDER BY stall_due_at LIMIT ${limit}`,
      sql<ExpectationRow[]>`
        SELECT x.cart_id, x.rule, x.after_at, x.due_at, c.value, c.currency FROM expectations x
        LEFT JOIN carts c ON c.cart_id = x.cart_id WHERE x.due_at <= ${now} ORDER BY x.due_at LIMIT ${limit}`,
      // A snoozed exception is neither escalated nor reminded of; its snooze's end arms both again.
      sql<ExceptionRow[]>`
        SELECT * FROM exceptions WHERE escalate_at IS NOT NULL AND escalate_at <= ${now}
          AND snoozed_until IS NULL ORDER BY escalate_at LIMIT ${limit}`,
      sql<ExceptionRow[]>`
        SELECT * FROM exceptions WHERE remind_at IS NOT NULL AND remind_at <= ${now}
          AND snoozed_until IS NULL ORDER BY remind_at LIMIT ${limit}`,
    ]);
    return {
      stalls: stalls.map(toStall),
      expectations: expectations.map(toExpectation),
      escalations: escalations.map(toException),
      reminders: reminders.map(toException),
    };
  }

  async backlogOf(stage: Stage): Promise<{ waiting: number; oldestAt?: number }> {
    const [row] = await this.sql<BacklogRow[]>`
      SELECT count(*)::int AS waiting, min(last_progress_at) AS oldest FROM carts
      WHERE stage = ${stage} AND status = 'started'`;
    return toBacklog(row);
  }

  /** Through carts_by_stage_status, oldest first: reads only the carts it lists. */
  async waitingCarts(stage: Stage, limit: number): Promise<WaitingCart[]> {
    const rows = await this.sql<WaitingRow[]>`
      SELECT cart_id, step, last_progress_at, value, currency FROM carts
      WHERE stage = ${stage} AND status = 'started' ORDER BY last_progress_at LIMIT ${limit}`;
    return rows.map(toWaitingCart);
  }

  async sourceActivity(): Promise<Map<string, SourceActivity>> {
    return toSourceActivity(await this.sql<SourceRow[]>`SELECT name, last_seen_at, last_stage FROM sources`);
  }
}

import type Database from 'better-sqlite3';
import type { Stage } from '../../domain/event.js';
import type { DueExpectation, DueStall, DueWork, SourceActivity } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { WaitingCart } from '../status-types.js';

interface StallRow {
  cart_id: string;
  stage: string;
  step: string;
  stall_due_at: number;
  last_progress_at: number;
  value: number | null;
  currency: string | null;
}

interface WaitingRow {
  cart_id: string;
  step: string;
  last_progress_at: number;
  value: number | null;
  currency: string | null;
}

interface ExpectationRow {
  cart_id: string;
  rule: string;
  after_at: number;
  due_at: number;
  value: number | null;
  currency: string | null;
}

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
      backlog: db.prepare<[string], { waiting: number; oldest: number | null }>(
        "SELECT count(*) AS waiting, min(last_progress_at) AS oldest FROM carts WHERE stage = ? AND status = 'started'",
      ),
      // Through carts_by_stage_status, oldest first: reads only the carts it lists.
      waiting: db.prepare<[string, number], WaitingRow>(
        `SELECT cart_id, step, last_progress_at, value, currency FROM carts
         WHERE stage = ? AND status = 'started' ORDER BY last_progress_at LIMIT ?`,
      ),
      sources: db.prepare<[], { name: string; last_seen_at: number; last_stage: string | null }>(
        'SELECT name, last_seen_at, last_stage FROM sources',
      ),
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
    const row = this.s.backlog.get(stage) ?? { waiting: 0, oldest: null };
    return row.oldest === null ? { waiting: row.waiting } : { waiting: row.waiting, oldestAt: row.oldest };
  }

  waitingCarts(stage: Stage, limit: number): WaitingCart[] {
    return this.s.waiting.all(stage, limit).map((row) => {
      const cart: WaitingCart = { cartId: row.cart_id, step: row.step, since: row.last_progress_at };
      if (row.value !== null && row.currency !== null)
        cart.value = { value: row.value, currency: row.currency };
      return cart;
    });
  }

  sourceActivity(): Map<string, SourceActivity> {
    return new Map(
      this.s.sources.all().map((row) => {
        const activity: SourceActivity = { lastSeenAt: row.last_seen_at };
        if (row.last_stage !== null) activity.stage = row.last_stage as Stage;
        return [row.name, activity];
      }),
    );
  }
}

function toStall(row: StallRow): DueStall {
  const stall: DueStall = {
    cartId: row.cart_id,
    stage: row.stage as Stage,
    step: row.step,
    dueAt: row.stall_due_at,
    lastProgressAt: row.last_progress_at,
  };
  if (row.value !== null && row.currency !== null)
    stall.amount = { value: row.value, currency: row.currency };
  return stall;
}

function toExpectation(row: ExpectationRow): DueExpectation {
  const due: DueExpectation = {
    cartId: row.cart_id,
    rule: row.rule,
    afterAt: row.after_at,
    dueAt: row.due_at,
  };
  if (row.value !== null && row.currency !== null) due.amount = { value: row.value, currency: row.currency };
  return due;
}

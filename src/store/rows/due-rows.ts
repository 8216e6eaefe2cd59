import type { Stage } from '../../domain/event.js';
import type { DueExpectation, DueStall, SourceActivity } from '../exception-types.js';
import type { WaitingCart } from '../status-types.js';

/** A cart the stall index found past its deadline, with its value. */
export interface StallRow {
  cart_id: string;
  stage: string;
  step: string;
  stall_due_at: number;
  last_progress_at: number;
  value: number | null;
  currency: string | null;
}

/** An expectation past its due time, with its cart's value. */
export interface ExpectationRow {
  cart_id: string;
  rule: string;
  after_at: number;
  due_at: number;
  value: number | null;
  currency: string | null;
}

/** A cart waiting in a stage (its latest step started). */
export interface WaitingRow {
  cart_id: string;
  step: string;
  last_progress_at: number;
  value: number | null;
  currency: string | null;
}

export interface BacklogRow {
  waiting: number;
  oldest: number | null;
}

export interface SourceRow {
  name: string;
  last_seen_at: number;
  last_stage: string | null;
}

/** A cart's value, when both halves of it are known. */
function amountOf(row: { value: number | null; currency: string | null }) {
  return row.value !== null && row.currency !== null
    ? { value: row.value, currency: row.currency }
    : undefined;
}

export function toStall(row: StallRow): DueStall {
  const stall: DueStall = {
    cartId: row.cart_id,
    stage: row.stage as Stage,
    step: row.step,
    dueAt: row.stall_due_at,
    lastProgressAt: row.last_progress_at,
  };
  const amount = amountOf(row);
  if (amount) stall.amount = amount;
  return stall;
}

export function toExpectation(row: ExpectationRow): DueExpectation {
  const due: DueExpectation = {
    cartId: row.cart_id,
    rule: row.rule,
    afterAt: row.after_at,
    dueAt: row.due_at,
  };
  const amount = amountOf(row);
  if (amount) due.amount = amount;
  return due;
}

export function toWaitingCart(row: WaitingRow): WaitingCart {
  const cart: WaitingCart = { cartId: row.cart_id, step: row.step, since: row.last_progress_at };
  const value = amountOf(row);
  if (value) cart.value = value;
  return cart;
}

export function toBacklog(row: BacklogRow | undefined): { waiting: number; oldestAt?: number } {
  if (row === undefined) return { waiting: 0 };
  return row.oldest === null ? { waiting: row.waiting } : { waiting: row.waiting, oldestAt: row.oldest };
}

export function toSourceActivity(rows: readonly SourceRow[]): Map<string, SourceActivity> {
  return new Map(
    rows.map((row) => {
      const activity: SourceActivity = { lastSeenAt: row.last_seen_at };
      if (row.last_stage !== null) activity.stage = row.last_stage as Stage;
      return [row.name, activity];
    }),
  );
}

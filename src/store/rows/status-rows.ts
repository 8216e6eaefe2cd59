import type { Stage, Status } from '../../domain/event.js';
import type { AuditedChange, CartState } from '../status-types.js';
import type { DigestRun } from '../store.js';

/** A cart's projection row (`carts`), as both stores keep it. */
export interface CartRow {
  cart_id: string;
  stage: string;
  step: string;
  status: string;
  last_progress_at: number;
  value: number | null;
  currency: string | null;
  stall_due_at: number | null;
}

export interface ExpectationRow {
  rule: string;
  after_at: number;
  due_at: number;
}

export function toCartState(row: CartRow, expectations: readonly ExpectationRow[]): CartState {
  const state: CartState = {
    cartId: row.cart_id,
    stage: row.stage as Stage,
    step: row.step,
    status: row.status as Status,
    lastProgressAt: row.last_progress_at,
    expectations: expectations.map((x) => ({ rule: x.rule, afterAt: x.after_at, dueAt: x.due_at })),
  };
  if (row.value !== null && row.currency !== null) state.value = { value: row.value, currency: row.currency };
  if (row.stall_due_at !== null) state.stallDueAt = row.stall_due_at;
  return state;
}

/** An audit entry joined with its exception's facts. */
export interface AuditedChangeRow {
  exception_id: number;
  action: string;
  at: number;
  first_seen_at: number;
  kind: string;
  stage: string;
  step: string;
  error_code: string | null;
}

export function toAuditedChange(row: AuditedChangeRow): AuditedChange {
  const change: AuditedChange = {
    exceptionId: row.exception_id,
    action: row.action,
    at: row.at,
    firstSeenAt: row.first_seen_at,
    kind: row.kind,
    stage: row.stage as Stage,
    step: row.step,
  };
  if (row.error_code !== null) change.errorCode = row.error_code;
  return change;
}

/** A daily or weekly digest run; `posted` is null for daily runs from before it was kept. */
export interface DigestRunRow {
  ran_at: number;
  posted: number | null;
}

export function toDigestRun(row: DigestRunRow): DigestRun {
  return { ranAt: row.ran_at, ...(row.posted !== null && { posted: row.posted === 1 }) };
}

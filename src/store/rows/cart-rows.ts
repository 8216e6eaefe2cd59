import type { Stage, Status } from '../../domain/event.js';
import type { CartProjection, ProjectedEvent } from '../../domain/projection.js';

export const CART_COLUMNS =
  'cart_id, stage, step, status, last_progress_at, first_seen_at, value, currency, event_count, stall_due_at';

/** An upsert's SET list: the plan's projection replaces the stored one (it merged it already). */
export const CART_UPDATE = CART_COLUMNS.split(', ')
  .filter((c) => c !== 'cart_id')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

export interface CartRow {
  cart_id: string;
  stage: string;
  step: string;
  status: string;
  last_progress_at: number;
  first_seen_at: number;
  value: number | null;
  currency: string | null;
  event_count: number;
  stall_due_at: number | null;
}

export function toCartProjection(row: CartRow): CartProjection {
  return {
    stage: row.stage as Stage,
    step: row.step,
    status: row.status as Status,
    lastProgressAt: row.last_progress_at,
    firstSeenAt: row.first_seen_at,
    value: row.value,
    currency: row.currency,
    eventCount: row.event_count,
    stallDueAt: row.stall_due_at,
  };
}

/** A stored event still waiting for a link to its cart, as the projection needs it. */
export interface WaitingRow {
  id: string;
  stage: string;
  step: string;
  status: string;
  occurred_at: number;
  amount_value: number | null;
  amount_currency: string | null;
}

export const WAITING_COLUMNS = 'id, stage, step, status, occurred_at, amount_value, amount_currency';

export function toWaiting(row: WaitingRow): ProjectedEvent & { id: string } {
  return {
    id: row.id,
    stage: row.stage as Stage,
    step: row.step,
    status: row.status as Status,
    occurredAt: row.occurred_at,
    ...(row.amount_value !== null &&
      row.amount_currency !== null && { amount: { value: row.amount_value, currency: row.amount_currency } }),
  };
}

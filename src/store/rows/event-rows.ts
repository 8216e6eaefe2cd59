import type { Stage, Status } from '../../domain/event.js';
import type { StoredEvent } from '../store.js';

/** Without the raw JSON: enough to detect on, and much less to read. */
export const EVENT_FIELDS = `seq, id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status,
  occurred_at, received_at, source, run_id, amount_value, amount_currency, error_code, error_message`;

/**
 * The owner an event named lives only in its raw JSON, and routes may match on it. The detector's
 * feed reads the raw only of events whose raw holds the word (RAW_IF_OWNER_*), so the many that name
 * none stay light, and toStoredEvent takes the owner from it. Parsed here rather than in SQL: a
 * string with an escaped NUL or half an emoji is valid JSON that Postgres's `->>` refuses to
 * unescape, and one such event would stop the feed for good.
 */
export const SQLITE_RAW_IF_OWNER = `CASE WHEN instr(raw, '"owner"') > 0 THEN raw END AS raw`;
export const POSTGRES_RAW_IF_OWNER = `CASE WHEN strpos(raw, '"owner"') > 0 THEN raw END AS raw`;

/** One row read with EVENT_FIELDS and SQLITE_RAW_IF_OWNER as an array (`Statement.raw()`), in that order. */
export type EventFieldValues = [
  seq: number,
  id: string,
  cartId: string | null,
  orderId: string | null,
  paymentId: string | null,
  shipmentId: string | null,
  sku: string | null,
  stage: string,
  step: string,
  status: string,
  occurredAt: number,
  receivedAt: number,
  source: string,
  runId: string | null,
  amountValue: number | null,
  amountCurrency: string | null,
  errorCode: string | null,
  errorMessage: string | null,
  rawIfOwner: string | null,
];

/**
 * The row of an EVENT_FIELDS array. Detection reads every event, and SQLite's driver makes an array
 * row in about half the time it makes an object row (it names each column on every object).
 */
export function eventRowOf(v: EventFieldValues): EventRow {
  const row: EventRow = {
    seq: v[0],
    id: v[1],
    cart_id: v[2],
    order_id: v[3],
    payment_id: v[4],
    shipment_id: v[5],
    sku: v[6],
    stage: v[7],
    step: v[8],
    status: v[9],
    occurred_at: v[10],
    received_at: v[11],
    source: v[12],
    run_id: v[13],
    amount_value: v[14],
    amount_currency: v[15],
    error_code: v[16],
    error_message: v[17],
  };
  if (v[18] !== null) row.raw = v[18];
  return row;
}

/** With the raw JSON, for timelines, which show attributes. */
export const EVENT_COLUMNS = `${EVENT_FIELDS}, raw, suppressed`;

export interface EventRow {
  seq: number;
  id: string;
  cart_id: string | null;
  order_id: string | null;
  payment_id: string | null;
  shipment_id: string | null;
  sku: string | null;
  stage: string;
  step: string;
  status: string;
  occurred_at: number;
  received_at: number;
  source: string;
  run_id: string | null;
  amount_value: number | null;
  amount_currency: string | null;
  error_code: string | null;
  error_message: string | null;
  /** Absent when read with EVENT_FIELDS. */
  raw?: string;
  /** Absent when read with EVENT_FIELDS; null unless noise.suppress held the failure back. */
  suppressed?: string | null;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  const event: StoredEvent = {
    seq: row.seq,
    id: row.id,
    // Rows are written only from validated events, so these casts restate what the schema checked.
    stage: row.stage as Stage,
    step: row.step,
    status: row.status as Status,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    source: row.source,
  };
  if (row.cart_id !== null) event.cartId = row.cart_id;
  if (row.order_id !== null) event.orderId = row.order_id;
  if (row.payment_id !== null) event.paymentId = row.payment_id;
  if (row.shipment_id !== null) event.shipmentId = row.shipment_id;
  if (row.sku !== null) event.sku = row.sku;
  if (row.run_id !== null) event.runId = row.run_id;
  if (row.amount_value !== null && row.amount_currency !== null) {
    event.amount = { value: row.amount_value, currency: row.amount_currency };
  }
  if (row.error_code !== null || row.error_message !== null) {
    event.error = {};
    if (row.error_code !== null) event.error.code = row.error_code;
    if (row.error_message !== null) event.error.message = row.error_message;
  }
  if (typeof row.suppressed === 'string') event.suppressed = row.suppressed;
  // Most events carry neither: skip parsing the raw JSON for them.
  // (Postgres hands a raw it was not asked for as null.)
  const raw = typeof row.raw === 'string' ? row.raw : undefined;
  if (raw !== undefined && (raw.includes('"attributes"') || raw.includes('"owner"'))) {
    const wire = JSON.parse(raw) as { attributes?: Record<string, unknown>; owner?: unknown };
    if (wire.attributes !== undefined) event.attributes = wire.attributes;
    if (typeof wire.owner === 'string') event.owner = wire.owner;
  }
  return event;
}

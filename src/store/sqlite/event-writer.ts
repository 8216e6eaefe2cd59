import type Database from 'better-sqlite3';
import type { CartEvent } from '../../domain/event.js';
import type { NewEvent, RecordOutcome } from '../store.js';

const KEY_COLUMNS = [
  { kind: 'order', field: 'orderId', column: 'order_id' },
  { kind: 'payment', field: 'paymentId', column: 'payment_id' },
  { kind: 'shipment', field: 'shipmentId', column: 'shipment_id' },
] as const;

interface ProjectionInput {
  stage: string;
  step: string;
  status: string;
  occurred_at: number;
  amount_value: number | null;
  amount_currency: string | null;
}

/**
 * Writes events, their correlation links and the cart projection. Callers run it inside a
 * transaction; it holds prepared statements so that a batch costs a handful of B-tree writes per event.
 */
export class EventWriter {
  private readonly insertEvent: Database.Statement;
  private readonly findLink: Database.Statement<[string, string], { cart_id: string }>;
  private readonly insertLink: Database.Statement;
  private readonly adoptByKey: Record<string, Database.Statement<[string, string], ProjectionInput>>;
  private readonly upsertCart: Database.Statement;

  constructor(db: Database.Database) {
    this.insertEvent = db.prepare(`INSERT OR IGNORE INTO events
      (id, cart_id, order_id, payment_id, shipment_id, sku, stage, step, status, occurred_at, received_at,
       source, run_id, amount_value, amount_currency, error_code, error_message, raw)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.findLink = db.prepare('SELECT cart_id FROM correlation_links WHERE key_kind = ? AND key_value = ?');
    this.insertLink = db.prepare(
      'INSERT OR IGNORE INTO correlation_links (key_kind, key_value, cart_id, linked_at) VALUES (?, ?, ?, ?)',
    );
    this.adoptByKey = Object.fromEntries(
      KEY_COLUMNS.map(({ column }) => [
        column,
        db.prepare(`UPDATE events SET cart_id = ? WHERE cart_id IS NULL AND ${column} = ?
          RETURNING stage, step, status, occurred_at, amount_value, amount_currency`),
      ]),
    );
    // The projection follows the latest event by occurred_at, so a late event never rewinds it.
    this.upsertCart = db.prepare(`INSERT INTO carts
      (cart_id, stage, step, status, last_progress_at, first_seen_at, value, currency, event_count)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
      ON CONFLICT (cart_id) DO UPDATE SET
        stage  = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.stage, carts.stage),
        step   = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.step, carts.step),
        status = iif(excluded.last_progress_at >= carts.last_progress_at, excluded.status, carts.status),
        value  = iif(excluded.value IS NOT NULL
                     AND (carts.value IS NULL OR excluded.last_progress_at >= carts.last_progress_at),
                     excluded.value, carts.value),
        currency = iif(excluded.value IS NOT NULL
                     AND (carts.value IS NULL OR excluded.last_progress_at >= carts.last_progress_at),
                     excluded.currency, carts.currency),
        last_progress_at = max(carts.last_progress_at, excluded.last_progress_at),
        first_seen_at = min(carts.first_seen_at, excluded.first_seen_at),
        event_count = carts.event_count + 1`);
  }

  /** Records one batch; must run inside the caller's transaction. */
  write(batch: readonly NewEvent[], receivedAt: number): RecordOutcome {
    let accepted = 0;
    for (const { event, raw } of batch) {
      const cartId = event.cartId ?? this.linkedCart(event);
      // Positional binding: named parameters cost about 2 µs more per statement (measured).
      const inserted = this.insertEvent.run(
        event.id,
        cartId ?? null,
        event.orderId ?? null,
        event.paymentId ?? null,
        event.shipmentId ?? null,
        event.sku ?? null,
        event.stage,
        event.step,
        event.status,
        event.occurredAt,
        receivedAt,
        event.source,
        event.runId ?? null,
        event.amount?.value ?? null,
        event.amount?.currency ?? null,
        event.error?.code ?? null,
        event.error?.message ?? null,
        raw,
      );
      if (inserted.changes === 0) continue;
      accepted += 1;
      if (cartId === undefined) continue;
      this.linkKeys(event, cartId, receivedAt);
      this.project(cartId, {
        stage: event.stage,
        step: event.step,
        status: event.status,
        occurred_at: event.occurredAt,
        amount_value: event.amount?.value ?? null,
        amount_currency: event.amount?.currency ?? null,
      });
    }
    return { accepted, duplicates: batch.length - accepted };
  }

  private linkedCart(event: CartEvent): string | undefined {
    for (const { kind, field } of KEY_COLUMNS) {
      const value = event[field];
      if (value === undefined) continue;
      const link = this.findLink.get(kind, value);
      if (link) return link.cart_id;
    }
    return undefined;
  }

  /** Links every key the event carries to its cart; a new link pulls in the events that waited for it. */
  private linkKeys(event: CartEvent, cartId: string, now: number): void {
    for (const { kind, field, column } of KEY_COLUMNS) {
      const value = event[field];
      if (value === undefined) continue;
      // First link wins: a key already tied to a cart stays there.
      if (this.insertLink.run(kind, value, cartId, now).changes === 0) continue;
      const adopted = this.adoptByKey[column]?.all(cartId, value) ?? [];
      for (const waiting of adopted) this.project(cartId, waiting);
    }
  }

  private project(cartId: string, event: ProjectionInput): void {
    this.upsertCart.run(
      cartId,
      event.stage,
      event.step,
      event.status,
      event.occurred_at,
      event.occurred_at,
      event.amount_value,
      event.amount_currency,
    );
  }
}

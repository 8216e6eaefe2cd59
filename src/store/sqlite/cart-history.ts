import type Database from 'better-sqlite3';
import { EVENT_COLUMNS, type EventRow, toStoredEvent } from '../rows/event-rows.js';
import { type CartLookup, findCartHistory } from '../shared/cart-lookup.js';
import type { CartHistory } from '../store.js';

/** Finds a cart by its id, a correlation key, or an alias of either (shared/cart-lookup.ts decides). */
export class CartHistoryQueries {
  private readonly lookup: CartLookup;

  constructor(db: Database.Database) {
    const s = {
      cartExists: db.prepare<[string], { cart_id: string }>('SELECT cart_id FROM carts WHERE cart_id = ?'),
      linkedCart: db
        .prepare<[string, string], string>(
          'SELECT cart_id FROM correlation_links WHERE key_kind = ? AND key_value = ?',
        )
        .pluck(),
      aliasTargets: db
        .prepare<[string], string>(
          'SELECT key_value FROM key_aliases WHERE alias = ? ORDER BY recorded_at DESC',
        )
        .pluck(),
      eventsOfCart: db.prepare<[string], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE cart_id = ? ORDER BY occurred_at, seq`,
      ),
      waitingEvents: db.prepare<{ key: string }, EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE cart_id IS NULL
           AND (order_id = @key OR payment_id = @key OR shipment_id = @key) ORDER BY occurred_at, seq`,
      ),
    };
    this.lookup = {
      cartExists: (cartId) => s.cartExists.get(cartId) !== undefined,
      linkOf: (kind, value) => s.linkedCart.get(kind, value),
      aliasTargets: (alias) => s.aliasTargets.all(alias),
      eventsOfCart: (cartId) => s.eventsOfCart.all(cartId).map(toStoredEvent),
      waitingEvents: (key) => s.waitingEvents.all({ key }).map(toStoredEvent),
    };
  }

  find(id: string): Promise<CartHistory | null> {
    return findCartHistory(this.lookup, id);
  }
}

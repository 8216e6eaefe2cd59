import type Database from 'better-sqlite3';
import { EVENT_COLUMNS, type EventRow, toStoredEvent } from '../rows/event-rows.js';
import type { CartHistory } from '../store.js';

const KEY_KINDS = ['order', 'payment', 'shipment'] as const;

/** Finds a cart by its id, a correlation key, or an alias of either; each step is one index lookup. */
export class CartHistoryQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      cartExists: db.prepare<[string], { cart_id: string }>('SELECT cart_id FROM carts WHERE cart_id = ?'),
      linkedCart: db.prepare<[string, string], { cart_id: string }>(
        'SELECT cart_id FROM correlation_links WHERE key_kind = ? AND key_value = ?',
      ),
      aliasTargets: db.prepare<[string], { key_value: string }>(
        'SELECT key_value FROM key_aliases WHERE alias = ? ORDER BY recorded_at DESC',
      ),
      eventsOfCart: db.prepare<[string], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE cart_id = ? ORDER BY occurred_at, seq`,
      ),
      waitingEvents: db.prepare<{ key: string }, EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE cart_id IS NULL
           AND (order_id = @key OR payment_id = @key OR shipment_id = @key) ORDER BY occurred_at, seq`,
      ),
    };
  }

  find(id: string): CartHistory | null {
    const direct = this.ofKey(id);
    if (direct !== null) return direct;
    // An alias stands for a key its event carried; the most recently seen one that finds anything wins.
    for (const { key_value } of this.s.aliasTargets.all(id)) {
      const found = this.ofKey(key_value);
      if (found !== null) return found;
    }
    return null;
  }

  private ofKey(id: string): CartHistory | null {
    const cartId = this.cartOf(id);
    if (cartId !== undefined) return { cartId, events: this.s.eventsOfCart.all(cartId).map(toStoredEvent) };
    const waiting = this.s.waitingEvents.all({ key: id });
    return waiting.length > 0 ? { cartId: null, events: waiting.map(toStoredEvent) } : null;
  }

  private cartOf(id: string): string | undefined {
    if (this.s.cartExists.get(id)) return id;
    for (const kind of KEY_KINDS) {
      const link = this.s.linkedCart.get(kind, id);
      if (link) return link.cart_id;
    }
    return undefined;
  }
}

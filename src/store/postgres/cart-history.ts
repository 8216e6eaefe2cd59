import { EVENT_COLUMNS, type EventRow, toStoredEvent } from '../rows/event-rows.js';
import { type CartLookup, findCartHistory } from '../shared/cart-lookup.js';
import type { CartHistory } from '../store.js';
import type { Sql } from './connection.js';

/** Finds a cart by its id, a correlation key, or an alias of either (shared/cart-lookup.ts decides). */
export class CartHistoryQueries {
  private readonly lookup: CartLookup;

  constructor(sql: Sql) {
    const columns = sql.unsafe(EVENT_COLUMNS);
    this.lookup = {
      cartExists: async (cartId) => (await sql`SELECT 1 FROM carts WHERE cart_id = ${cartId}`).length > 0,
      linkOf: async (kind, value) => {
        const [row] = await sql<{ cart_id: string }[]>`
          SELECT cart_id FROM correlation_links WHERE key_kind = ${kind} AND key_value = ${value}`;
        return row?.cart_id;
      },
      aliasTargets: async (alias) => {
        const rows = await sql<{ key_value: string }[]>`
          SELECT key_value FROM key_aliases WHERE alias = ${alias} ORDER BY recorded_at DESC`;
        return rows.map((r) => r.key_value);
      },
      eventsOfCart: async (cartId) =>
        (
          await sql<
            EventRow[]
          >`SELECT ${columns} FROM events WHERE cart_id = ${cartId} ORDER BY occurred_at, seq`
        ).map(toStoredEvent),
      waitingEvents: async (key) =>
        (
          await sql<EventRow[]>`SELECT ${columns} FROM events WHERE cart_id IS NULL
            AND (order_id = ${key} OR payment_id = ${key} OR shipment_id = ${key}) ORDER BY occurred_at, seq`
        ).map(toStoredEvent),
    };
  }

  find(id: string): Promise<CartHistory | null> {
    return findCartHistory(this.lookup, id);
  }
}

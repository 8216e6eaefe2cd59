import type { CartEvent, StoredEvent } from '../domain/event.js';

export type { StoredEvent };

/** An event as accepted at the edge, with the producer's original JSON kept for inspection. */
export interface NewEvent {
  event: CartEvent;
  raw: string;
}

export interface RecordOutcome {
  accepted: number;
  duplicates: number;
}

/** Everything stored under one cart (or under one correlation key not yet linked to a cart). */
export interface CartHistory {
  cartId: string | null;
  events: StoredEvent[];
}

export interface StoreHealth {
  ok: boolean;
  detail: string;
}

/**
 * The only way into the database. Each operation is one transaction and returns a promise,
 * so a Postgres store can stand beside the SQLite one without services noticing.
 */
export interface Store {
  /** Durably records a batch (all or nothing); resolves only after the commit reached disk. */
  recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome>;
  /** The cart that a cart, order, payment or shipment id names, with its events; null when none matches. */
  findCartHistory(id: string): Promise<CartHistory | null>;
  /** Deletes up to `limit` events received before `cutoff` (and carts idle since then); returns how many events went. */
  pruneBefore(cutoff: number, options: { limit: number }): Promise<number>;
  health(): Promise<StoreHealth>;
  /** Writes a consistent copy of the whole database to `file` while it stays in use. */
  backupTo(file: string): Promise<void>;
  /** Finishes pending writes, then closes. */
  close(): Promise<void>;
}

import type Database from 'better-sqlite3';
import type { CartHistory, NewEvent, RecordOutcome, Store, StoreHealth } from '../store.js';
import { openDatabase } from './connection.js';
import { EVENT_COLUMNS, type EventRow, toStoredEvent } from './event-rows.js';
import { WriterClient } from './writer-client.js';

const KEY_KINDS = ['order', 'payment', 'shipment'] as const;

/**
 * The SQLite store: reads on this thread's own connection (WAL lets them run beside writes and see
 * every commit already answered), writes in the writer worker, one transaction each.
 */
export class SqliteStore implements Store {
  private readonly queries;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: WriterClient,
  ) {
    this.queries = {
      cartExists: db.prepare<[string], { cart_id: string }>('SELECT cart_id FROM carts WHERE cart_id = ?'),
      linkedCart: db.prepare<[string, string], { cart_id: string }>(
        'SELECT cart_id FROM correlation_links WHERE key_kind = ? AND key_value = ?',
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

  /** Opens (migrating here, so a schema problem surfaces at once) and starts the writer. */
  static open(file: string): SqliteStore {
    const db = openDatabase(file);
    return new SqliteStore(db, new WriterClient(file));
  }

  recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome> {
    if (batch.length === 0) return Promise.resolve({ accepted: 0, duplicates: 0 });
    return this.writer.call({ op: 'record', job: { batch, receivedAt: options.receivedAt } });
  }

  async findCartHistory(id: string): Promise<CartHistory | null> {
    const cartId = this.resolveCartId(id);
    if (cartId !== undefined) {
      return { cartId, events: this.queries.eventsOfCart.all(cartId).map(toStoredEvent) };
    }
    const waiting = this.queries.waitingEvents.all({ key: id });
    return waiting.length > 0 ? { cartId: null, events: waiting.map(toStoredEvent) } : null;
  }

  private resolveCartId(id: string): string | undefined {
    if (this.queries.cartExists.get(id)) return id;
    for (const kind of KEY_KINDS) {
      const link = this.queries.linkedCart.get(kind, id);
      if (link) return link.cart_id;
    }
    return undefined;
  }

  pruneBefore(cutoff: number, options: { limit: number }): Promise<number> {
    return this.writer.call({ op: 'prune', cutoff, limit: options.limit });
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    try {
      this.db.prepare('SELECT 1').get();
      return { ok: true, detail: 'ok' };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  backupTo(file: string): Promise<void> {
    return this.writer.call({ op: 'backup', file });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
  }
}

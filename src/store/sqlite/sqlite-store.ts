import type Database from 'better-sqlite3';
import { STAGES } from '../../domain/event.js';
import { StoreFullError } from '../../errors.js';
import type { CartHistory, NewEvent, RecordOutcome, Store, StoreHealth } from '../store.js';
import { openDatabase } from './connection.js';
import { EVENT_COLUMNS, type EventRow, toStoredEvent } from './event-rows.js';
import { EventWriter } from './event-writer.js';
import { GroupCommit } from './group-commit.js';

interface RecordJob {
  batch: readonly NewEvent[];
  receivedAt: number;
}

const KEY_KINDS = ['order', 'payment', 'shipment'] as const;

export class SqliteStore implements Store {
  private readonly writes: GroupCommit<RecordJob, RecordOutcome>;
  private readonly queries;
  private closed = false;

  private constructor(private readonly db: Database.Database) {
    const writer = new EventWriter(db);
    this.writes = new GroupCommit(
      db.transaction((jobs: readonly RecordJob[]) =>
        jobs.map((job) => writer.write(job.batch, job.receivedAt)),
      ),
    );
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
      oldestEvents: db.prepare<[number], { seq: number; received_at: number }>(
        'SELECT seq, received_at FROM events ORDER BY seq LIMIT ?',
      ),
      deleteEventsUpTo: db.prepare('DELETE FROM events WHERE seq <= ?'),
      idleCartsInStage: db.prepare<[string, number, number], { cart_id: string }>(
        'SELECT cart_id FROM carts WHERE stage = ? AND last_progress_at < ? LIMIT ?',
      ),
      deleteCart: db.prepare('DELETE FROM carts WHERE cart_id = ?'),
      deleteLinksOfCart: db.prepare('DELETE FROM correlation_links WHERE cart_id = ?'),
    };
  }

  static open(file: string): SqliteStore {
    return new SqliteStore(openDatabase(file));
  }

  async recordEvents(batch: readonly NewEvent[], options: { receivedAt: number }): Promise<RecordOutcome> {
    if (batch.length === 0) return { accepted: 0, duplicates: 0 };
    try {
      return await this.writes.submit({ batch, receivedAt: options.receivedAt });
    } catch (error) {
      throw translate(error);
    }
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

  async pruneBefore(cutoff: number, options: { limit: number }): Promise<number> {
    // Rows are received in seq order, so the oldest are at the front: the cost is what gets deleted.
    const oldest = this.queries.oldestEvents.all(options.limit);
    let lastOld: number | undefined;
    for (const row of oldest) {
      if (row.received_at >= cutoff) break;
      lastOld = row.seq;
    }
    return this.db.transaction(() => {
      const deleted = lastOld === undefined ? 0 : this.queries.deleteEventsUpTo.run(lastOld).changes;
      // Per stage so the (stage, last_progress_at) index finds the idle carts without a scan.
      for (const stage of STAGES) {
        for (const { cart_id } of this.queries.idleCartsInStage.all(stage, cutoff, options.limit)) {
          this.queries.deleteCart.run(cart_id);
          this.queries.deleteLinksOfCart.run(cart_id);
        }
      }
      return deleted;
    })();
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

  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writes.drained();
    this.closed = true;
    this.db.close();
  }
}

function translate(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_FULL' ? new StoreFullError(error) : error;
}

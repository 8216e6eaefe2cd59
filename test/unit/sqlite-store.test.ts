import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateEvents } from '../../src/ingest/event-schema.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../../src/store/store.js';
import { anEvent, at } from '../support/events.js';
import { tempDir } from '../support/temp.js';

let temp: ReturnType<typeof tempDir>;
let file: string;
let store: SqliteStore;

beforeEach(() => {
  received = 0;
  temp = tempDir();
  file = path.join(temp.dir, 'db.sqlite');
  store = SqliteStore.open(file);
});
afterEach(async () => {
  await store.close();
  temp.cleanup();
});

function batch(...wire: Record<string, unknown>[]): NewEvent[] {
  const result = validateEvents(wire);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.events;
}

let received = 0;
const record = (...wire: Record<string, unknown>[]) =>
  store.recordEvents(batch(...wire), { receivedAt: ++received });

function cartRow(cartId: string) {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare('SELECT stage, step, status, value, event_count FROM carts WHERE cart_id = ?')
      .get(cartId);
  } finally {
    db.close();
  }
}

describe('SqliteStore correlation', () => {
  it('when a payment event arrives before the event linking its payment id, then it joins the cart once linked', async () => {
    await record(anEvent({ id: 'p1', cart_id: undefined, payment_id: 'pi_1', occurred_at: at(5) }));
    const waiting = await store.findCartHistory('pi_1');
    expect(waiting?.cartId).toBeNull();
    expect(waiting?.events.map((e) => e.id)).toEqual(['p1']);

    await record(
      anEvent({ id: 'c1', cart_id: 'cart_9', payment_id: 'pi_1', stage: 'checkout', occurred_at: at(1) }),
    );
    for (const id of ['cart_9', 'pi_1']) {
      const history = await store.findCartHistory(id);
      expect(history?.cartId).toBe('cart_9');
      expect(history?.events.map((e) => e.id)).toEqual(['c1', 'p1']);
    }
    expect(cartRow('cart_9')).toMatchObject({ stage: 'payment', event_count: 2 });
  });

  it('when an order id is linked, then a later event carrying only that order id joins the cart', async () => {
    await record(anEvent({ id: 'o1', cart_id: 'cart_2', order_id: 'ord_2', stage: 'order', step: 'create' }));
    await record(
      anEvent({ id: 'f1', cart_id: undefined, order_id: 'ord_2', stage: 'fulfillment', occurred_at: at(30) }),
    );
    const history = await store.findCartHistory('ord_2');
    expect(history?.cartId).toBe('cart_2');
    expect(history?.events.map((e) => e.id)).toEqual(['o1', 'f1']);
  });

  it('when a late event arrives, then the cart projection keeps the latest stage', async () => {
    await record(
      anEvent({
        id: 'a',
        stage: 'fulfillment',
        step: 'ship',
        occurred_at: at(20),
        amount: { value: 500, currency: 'EUR' },
      }),
    );
    await record(anEvent({ id: 'b', stage: 'payment', step: 'capture', occurred_at: at(10) }));
    expect(cartRow('cart_1')).toMatchObject({
      stage: 'fulfillment',
      step: 'ship',
      value: 500,
      event_count: 2,
    });
  });

  it('when the same id is recorded twice, then it is stored once and counted as a duplicate', async () => {
    const event = anEvent();
    expect(await record(event)).toEqual({ accepted: 1, duplicates: 0 });
    expect(await record(event, event)).toEqual({ accepted: 0, duplicates: 2 });
    expect((await store.findCartHistory('cart_1'))?.events).toHaveLength(1);
  });

  it('when nothing matches an id, then no history is found', async () => {
    expect(await store.findCartHistory('nope')).toBeNull();
  });

  it('when a catalog event carries only a sku, then it is stored outside any cart', async () => {
    expect(
      await record(anEvent({ cart_id: undefined, stage: 'catalog', step: 'sync', sku: 'SKU-1' })),
    ).toEqual({
      accepted: 1,
      duplicates: 0,
    });
  });
});

describe('SqliteStore retention and schema', () => {
  it('when events are older than the cutoff, then they are pruned in batches of the given size', async () => {
    for (let i = 0; i < 5; i++) await record(anEvent());
    expect(await store.pruneBefore(4, { limit: 2 })).toBe(2);
    expect(await store.pruneBefore(4, { limit: 2 })).toBe(1);
    expect(await store.pruneBefore(4, { limit: 2 })).toBe(0);
  });

  it('when the file was written by a newer schema, then opening it refuses with a clear error', async () => {
    await store.close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations VALUES (?, 'future', 'now')").run(LATEST_SCHEMA_VERSION + 1);
    db.close();
    expect(() => SqliteStore.open(file)).toThrow(/schema version .* knows only up to/);
    store = SqliteStore.open(path.join(temp.dir, 'other.sqlite'));
  });

  it('when opened, then the database uses WAL and full synchronous commits and records its migrations', async () => {
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // Every migration, in order, with none skipped.
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual(
      Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
    );
    db.close();
  });

  it('when backed up while open, then the copy holds the same events', async () => {
    await record(anEvent({ id: 'kept' }));
    const copy = path.join(temp.dir, 'backup.sqlite');
    await store.backupTo(copy);
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT id FROM events').all()).toEqual([{ id: 'kept' }]);
    db.close();
  });
});

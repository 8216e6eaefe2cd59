import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { connect, type Sql } from '../../src/store/postgres/connection.js';
import type { DetectionCursor, NewEvent, Store } from '../../src/store/store.js';
import { anEvent, at, newEvents } from '../support/events.js';
import { asSuperuser } from '../support/postgres.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { waitFor } from '../support/wait-for.js';

// Races only Postgres has: several instances on one database, transactions committing out of order,
// connections lost mid-transaction. The behaviour each test checks is the Store's, as everywhere.
const T0 = 1_800_000_000_000;
const PRUNE_LOCK = 0x7072756e65;
/** The feed stops below the oldest transaction running anywhere on the server, other test files' too. */
const FEED_WAIT = { timeoutMs: 15_000, what: 'the feed' };

let t: TestStore;
let store: Store;
let raw: Sql;
beforeEach(async () => {
  t = await openTestStore('postgres', { now: T0 });
  store = t.store;
  raw = connect(t.target, { max: 2, applicationName: 'test-holder' });
});
afterEach(async () => {
  await raw.end({ timeout: 1 });
  await t.close();
});

const databaseName = () => new URL(t.target).pathname.slice(1);
const record = (s: Store, ...wire: Record<string, unknown>[]) =>
  s.recordEvents(newEvents(...wire), { receivedAt: T0 });

/** A transaction on its own connection that does `first`, then stays open until released. */
function holdOpen(first: (tx: Sql) => Promise<unknown>) {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let ready = () => {};
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const done = raw.begin(async (tx) => {
    await first(tx as unknown as Sql);
    ready();
    await released;
  });
  return { started, release, done };
}

/** Terminates the store's backend that waits on a lock (the ingest transaction, held up on purpose). */
async function killWaitingBackend(): Promise<void> {
  const db = databaseName();
  await waitFor(
    async () => {
      const killed = await asSuperuser(
        (sql) => sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = ${db} AND wait_event_type IN ('Lock', 'LWLock') AND application_name = 'cartwatch'`,
      );
      return killed.length > 0;
    },
    { intervalMs: 50, what: 'the ingest transaction to wait' },
  );
}

/** Reads the feed from `cursor` until `count` events came (or it times out), as the detector would. */
async function follow(s: Store, cursor: DetectionCursor, count: number) {
  const ids: string[] = [];
  let next = cursor;
  await waitFor(async () => {
    const page = await s.eventsAfter(next, 100);
    ids.push(...page.events.map((e) => e.id));
    next = page.next;
    return ids.length >= count;
  }, FEED_WAIT);
  return { ids, next };
}

describe('postgres store: events across instances', () => {
  it('when two instances record one cart at once, then no projection update is lost and a shared event is stored once', async () => {
    const other = await t.openAnother();
    const minutes = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
    const shared = anEvent({ id: 'both', cart_id: 'cart_r', occurred_at: at(0) });
    const outcomes = await Promise.all([
      ...minutes.map((m, i) =>
        record(
          i % 2 === 0 ? store : other,
          anEvent({
            id: `r${m}`,
            cart_id: 'cart_r',
            step: `step${m}`,
            occurred_at: at(m, 30),
            amount: { value: m + 1, currency: 'EUR' },
          }),
        ),
      ),
      record(store, shared),
      record(other, shared),
    ]);
    expect(outcomes.reduce((n, o) => n + o.accepted, 0)).toBe(41);
    expect(await store.cartState('cart_r')).toMatchObject({
      step: 'step39',
      lastProgressAt: Date.parse(at(39, 30)),
      value: { value: 40, currency: 'EUR' },
    });
    expect((await other.findCartHistory('cart_r'))?.events).toHaveLength(41);
  });

  it('when one instance records events by a key while another links the key, then none is left waiting', async () => {
    const other = await t.openAnother();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        record(
          store,
          anEvent({
            id: `k${i}`,
            cart_id: undefined,
            order_id: `ord_${i}`,
            stage: 'order',
            occurred_at: at(5),
          }),
        ),
        record(
          other,
          anEvent({ id: `l${i}`, cart_id: `cart_${i}`, order_id: `ord_${i}`, occurred_at: at(1) }),
        ),
      ]).flat(),
    );
    for (let i = 0; i < 20; i++) {
      const history = await store.findCartHistory(`ord_${i}`);
      expect(history?.cartId).toBe(`cart_${i}`);
      expect(history?.events.map((e) => e.id)).toEqual([`l${i}`, `k${i}`]);
      expect(await store.cartState(`cart_${i}`)).toMatchObject({ stage: 'order' });
    }
  });

  it('when the connection is lost while a batch waits in its transaction, then it is refused as unavailable and the retry stores it once', async () => {
    await record(store, anEvent({ id: 'first', cart_id: 'cart_t' }));
    const holder = holdOpen((tx) => tx`SELECT 1 FROM carts WHERE cart_id = 'cart_t' FOR UPDATE`);
    await holder.started;
    const second = anEvent({ id: 'second', cart_id: 'cart_t', occurred_at: at(2) });
    const attempt = record(store, second).catch((error: unknown) => error);
    await killWaitingBackend();
    expect(await attempt).toBeInstanceOf(StoreUnavailableError);
    holder.release();
    await holder.done;
    expect(await record(store, second)).toEqual({ accepted: 1, duplicates: 0 });
    expect(await record(store, second)).toEqual({ accepted: 0, duplicates: 1 });
    expect((await store.findCartHistory('cart_t'))?.events.map((e) => e.id)).toEqual(['first', 'second']);
  });

  it('when the connection is lost during COMMIT, then the batch is refused as unavailable and the retry stores it once', async () => {
    // A deferred constraint trigger runs inside COMMIT: made to wait there, COMMIT is in flight when the backend goes.
    await raw.unsafe(`CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION hold_commit()`);
    const holder = holdOpen((tx) => tx`SELECT pg_advisory_xact_lock(4242)`);
    await holder.started;
    const event = anEvent({ id: 'in-doubt', cart_id: 'cart_c' });
    const attempt = record(store, event).catch((error: unknown) => error);
    await killWaitingBackend();
    expect(await attempt).toBeInstanceOf(StoreUnavailableError);
    holder.release();
    await holder.done;
    const retried = await record(store, event);
    expect(retried.accepted + retried.duplicates).toBe(1);
    expect((await store.findCartHistory('cart_c'))?.events.map((e) => e.id)).toEqual(['in-doubt']);
  });

  it('when one batch of a commit group is refused by the database, then none of it is stored, and its neighbours are', async () => {
    const [good1, sibling, bad, good2] = newEvents(
      anEvent({ id: 'g1' }),
      anEvent({ id: 'sibling' }),
      anEvent({ id: 'bad' }),
      anEvent({ id: 'g2' }),
    ) as [NewEvent, NewEvent, NewEvent, NewEvent];
    const outcomes = await Promise.allSettled([
      store.recordEvents([good1], { receivedAt: T0 }),
      // Postgres refuses a NUL character in text: the whole batch goes, its first event too.
      store.recordEvents([sibling, { ...bad, raw: 'nul \u0000' }], { receivedAt: T0 }),
      store.recordEvents([good2], { receivedAt: T0 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(StoreUnavailableError);
    expect((await store.findCartHistory('cart_1'))?.events.map((e) => e.id).sort()).toEqual(['g1', 'g2']);
  });

  it('when a transaction holding an event commits after later ones, then the feed waits for it and delivers every event once, in commit-safe order', async () => {
    const other = await t.openAnother();
    const start = await store.detectionCursor();
    await record(store, anEvent({ id: 'before' }));
    const holder = holdOpen(
      (tx) => tx`INSERT INTO events (id, cart_id, stage, step, status, occurred_at, received_at, source, raw)
        VALUES ('held', 'cart_h', 'payment', 'authorize', 'succeeded', ${T0}, ${T0}, 'test', '{}')`,
    );
    await holder.started;
    await record(store, anEvent({ id: 'after1' }));
    await record(other, anEvent({ id: 'after2' }));

    const whileHeld = await follow(other, start, 1);
    expect(whileHeld.ids).toEqual(['before']);
    // Nothing to hand over yet, but the feed says committed events wait, so the detector looks again.
    expect(await store.eventsAfter(whileHeld.next, 100)).toEqual({
      events: [],
      next: whileHeld.next,
      behind: true,
    });

    holder.release();
    await holder.done;
    const rest = await follow(store, whileHeld.next, 3);
    expect(rest.ids).toEqual(['held', 'after1', 'after2']);
    expect(await store.eventsAfter(rest.next, 100)).toEqual({ events: [], next: rest.next });
  });

  it('when transaction ids gain a digit (999 to 1000), then the feed still delivers every event once, in xid order', async () => {
    await record(
      store,
      ...['a', 'b', 'c', 'd', 'e'].map((id, i) => anEvent({ id, cart_id: `cart_${id}`, occurred_at: at(i) })),
    );
    // As if stored by transactions 98, 99, 99, 100 and 101: every one long finished, below the horizon.
    await raw`UPDATE events SET xid = v.xid::xid8
      FROM (VALUES ('a', '98'), ('b', '99'), ('c', '99'), ('d', '100'), ('e', '101')) AS v (id, xid)
      WHERE events.id = v.id`;
    for (const pageSize of [2, 3, 10]) {
      const ids: string[] = [];
      let cursor: DetectionCursor = '0:0';
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.eventsAfter(cursor, pageSize);
        ids.push(...page.events.map((e) => e.id));
        cursor = page.next;
        if (page.events.length === 0) break;
      }
      // In text order "100" < "101" < "98" < "99": a page of 2 skipped 98 and 99, one of 10 read 100 and 101 twice.
      expect(ids, `pages of ${pageSize}`).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(cursor).toMatch(/^101:\d+$/);
    }
  });

  it('when another instance is pruning, then pruning returns 0 at once; two at once never delete twice', async () => {
    for (let i = 0; i < 6; i++) await record(store, anEvent());
    const session = await raw.reserve();
    await session`SELECT pg_advisory_lock(${PRUNE_LOCK}::bigint)`;
    expect(await store.pruneBefore(T0 + 1, { limit: 100 })).toBe(0);
    await session`SELECT pg_advisory_unlock(${PRUNE_LOCK}::bigint)`;
    session.release();
    const other = await t.openAnother();
    const pruned = await Promise.all([
      store.pruneBefore(T0 + 1, { limit: 4 }),
      other.pruneBefore(T0 + 1, { limit: 4 }),
    ]);
    expect(pruned.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6);
    expect((await store.pruneBefore(T0 + 1, { limit: 100 })) + pruned[0] + pruned[1]).toBe(6);
  });

  it('when batches arrive in the same turn, then they are committed in one transaction, each caller told its own outcome', async () => {
    const start = await store.detectionCursor();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => record(store, anEvent({ id: `grp${i}` }), anEvent({ id: 'grp0' }))),
    );
    expect(outcomes).toEqual(Array(5).fill({ accepted: 1, duplicates: 1 }));
    // The feed's cursor is "xid:seq": one group, one transaction id.
    const xids = new Set<string>();
    let cursor = start;
    await waitFor(async () => {
      const page = await store.eventsAfter(cursor, 1);
      if (page.events.length > 0) xids.add(page.next.split(':')[0] as string);
      cursor = page.next;
      return cursor !== start && page.events.length === 0 && xids.size > 0;
    }, FEED_WAIT);
    expect(xids.size).toBe(1);
  });

  it('when asked for a backup, then it says to use pg_dump', async () => {
    await expect(store.backupTo('/tmp/never.sqlite')).rejects.toThrow(/pg_dump/);
  });
});

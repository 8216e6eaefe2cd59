import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExceptionFacts } from '../../src/domain/exception.js';
import type { DetectionChange } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';
import { anEvent, newEvents } from '../support/events.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { waitFor } from '../support/wait-for.js';

// Several instances on one Postgres database (SQLite has one writer process by design, so these races
// exist only here): a dedup key, a detection range and a person's click each take effect once.
const T0 = 1_800_000_000_000;
const routing = { team: 'payments', channel: 'C0PAYMENTS', reason: 'stage is payment' };
const facts = (cart: string): ExceptionFacts => ({
  kind: 'failed',
  dedupKey: `failed:${cart}:payment.capture`,
  cartId: cart,
  stage: 'payment',
  step: 'capture',
  errorCode: 'card_declined',
});
const raiseOf = (cart: string, at: number): DetectionChange => ({
  type: 'raise',
  facts: facts(cart),
  routing,
  at,
});

describe('postgres store: exceptions raced across instances', () => {
  let opened: TestStore;
  let store: Store;

  beforeEach(async () => {
    opened = await openTestStore('postgres', { now: T0 });
    store = opened.store;
  });
  afterEach(async () => {
    await opened.close();
  });

  async function detect(changes: DetectionChange[], now: number, on: Store = store) {
    const cursor = await on.detectionCursor();
    return on.applyDetection({ from: cursor, cursor, now, changes });
  }

  it('when two instances raise the same failure at once, then there is one exception counting both', async () => {
    const other = await opened.openAnother();
    const results = await Promise.all([
      detect([raiseOf('c1', T0)], T0, store),
      detect([raiseOf('c1', T0 + 1)], T0 + 1, other),
    ]);
    expect(results.map((r) => r.opened + r.repeated)).toEqual([1, 1]);
    expect(results.reduce((n, r) => n + r.opened, 0)).toBe(1);
    const live = await store.exceptionsOfCart('c1');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ count: 2, state: 'open' });
  });

  it('when two instances apply the same detection range, then it is applied once', async () => {
    const other = await opened.openAnother();
    await store.recordEvents(newEvents(anEvent({ cart_id: 'c1', status: 'failed' })), { receivedAt: T0 });
    const cursor = await store.detectionCursor();
    // The feed holds events back while an older transaction anywhere on the server still runs (other
    // test files share it), and says so: read again, as the detector does, until the event shows.
    let page = await store.eventsAfter(cursor, 10);
    await waitFor(
      async () => {
        page = await store.eventsAfter(cursor, 10);
        return page.events.length === 1;
      },
      { what: 'the recorded event in the feed' },
    );
    const { next } = page;
    const batch = { from: cursor, cursor: next, now: T0, changes: [raiseOf('c1', T0)] };
    const results = await Promise.all([store.applyDetection(batch), other.applyDetection(batch)]);
    expect(results.map((r) => r.opened).sort()).toEqual([0, 1]);
    expect(await store.exceptionsOfCart('c1')).toHaveLength(1);
    expect(await store.detectionCursor()).toBe(next);
    expect(next).not.toBe(cursor);
  });

  it('when two people act on the same drawing from two instances, then one wins and the other is refused', async () => {
    await detect([raiseOf('c1', T0)], T0);
    const other = await opened.openAnother();
    const results = await Promise.all([
      store.applyAction({ exceptionId: 1, action: 'acknowledge', actor: 'U0ANNA', revision: 0, at: T0 + 1 }),
      other.applyAction({ exceptionId: 1, action: 'resolve', actor: 'U0BEN', revision: 0, at: T0 + 1 }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'stale')).toHaveLength(1);
    expect(await store.auditOf(1)).toHaveLength(2);
    expect(await store.findException(1)).toMatchObject({ revision: 1 });
  });

  it('when many failures of one storm are raised across two instances at once, then they form one storm', async () => {
    const other = await opened.openAnother();
    const carts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await Promise.all(
      carts.map((cart, i) => detect([raiseOf(cart, T0 + i)], T0 + i, i % 2 === 0 ? store : other)),
    );
    const groups = new Set(
      (await Promise.all(carts.map((c) => store.exceptionsOfCart(c)))).flat().map((e) => e.groupId),
    );
    expect(groups.size).toBe(1);
    expect([...groups][0]).toEqual(expect.any(Number));
  });

  it('when a sweep and detection on two instances raise the same keys at once, then each key opens once', async () => {
    const other = await opened.openAnother();
    const carts = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const swept = store.applySweep({
      now: T0,
      raises: carts.map((cart) => ({
        facts: facts(cart),
        routing,
        at: T0,
        claim: { type: 'once' as const },
      })),
      resolves: [],
      escalations: [],
      reminders: [],
      drops: [],
    });
    const detected = detect(
      [...carts].reverse().map((cart) => raiseOf(cart, T0 + 1)),
      T0 + 1,
      other,
    );
    const [sweep, detection] = await Promise.all([swept, detected]);
    expect(sweep.opened + detection.opened).toBe(20);
    expect(detection.opened + detection.repeated).toBe(20);
    const all = (await Promise.all(carts.map((cart) => store.exceptionsOfCart(cart)))).flat();
    expect(all).toHaveLength(20);
    // A sweep does not count a repeat of what is already live; detection does.
    expect(all.reduce((n, e) => n + e.count, 0)).toBe(20 + detection.repeated);
  });
});

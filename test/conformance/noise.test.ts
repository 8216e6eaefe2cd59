import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateRule } from '../../src/domain/noise.js';
import {
  BASELINE_MS,
  evaluateRate,
  MINUTE_MS,
  type RateTally,
  rateDedupKey,
  rateFacts,
  rateFigures,
  rateSummary,
} from '../../src/domain/rates.js';
import type { Suppressed } from '../../src/domain/suppression.js';
import type { SweepBatch } from '../../src/store/exception-types.js';
import type { RateStep } from '../../src/store/noise-types.js';
import type { Store } from '../../src/store/store.js';
import { anEvent, newEvents } from '../support/events.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

const T0 = 1_800_000_000_000;
const MINUTE = MINUTE_MS;
const M0 = Math.floor(T0 / MINUTE) * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const RULE: RateRule = {
  name: 'payment-failures',
  match: { stage: ['payment'] },
  windowMs: 15 * MINUTE,
  minAttempts: 10,
  above: 0.2,
};
const ROUTING = { team: 'payments', channel: 'C_PAY', reason: 'stage is payment' };
const SPANS = { windowFrom: M0, historyFrom: M0 - BASELINE_MS, to: M0 + 15 * MINUTE };

/** Applies a detection batch carrying only noise bookkeeping, after the events recorded so far. */
async function detect(store: Store, input: { suppressed?: Suppressed[]; rateTallies?: RateTally[] }) {
  const from = await store.detectionCursor();
  const page = await store.eventsAfter(from, 1_000);
  return store.applyDetection({ from, cursor: page.next, now: T0, changes: [], ...input });
}

/**
 * The first `n` events detection will see. On Postgres the feed stops below the oldest transaction
 * running anywhere on the server (another test file's, say), so it may take a moment to show them.
 */
async function feed(store: Store, n: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { events } = await store.eventsAfter(await store.detectionCursor(), n);
    if (events.length >= n || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function sweepOf(now: number, rates: RateStep[]): SweepBatch {
  return { now, raises: [], resolves: [], escalations: [], reminders: [], drops: [], rates };
}

/** A breach of RULE (8 of 20 failed) as the sweep would step it, from a rule at rest. */
function raiseStep(now: number): RateStep {
  const figures = rateFigures(
    RULE,
    evaluateRate(RULE, { window: { attempts: 20, failures: 8 }, history: { attempts: 0, failures: 0 } }),
    {
      topCodes: [{ code: 'api_error', count: 8 }],
      failures: [],
    },
  );
  return {
    rule: RULE.name,
    from: {},
    to: { breachedAt: now },
    raise: { facts: rateFacts(RULE, figures, []), routing: ROUTING, figures },
  };
}

describe.each(STORE_KINDS)('%s store: noise', (kind) => {
  let t: TestStore;
  let store: Store;

  beforeEach(async () => {
    t = await openTestStore(kind, { now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  describe('suppressed failures', () => {
    it('when failures are held back, then their events are marked, and a team counts them by reason, most first, in the minutes asked', async () => {
      const failed = (cart: string) => anEvent({ cart_id: cart, status: 'failed', occurred_at: iso(T0) });
      await store.recordEvents(newEvents(failed('cart_1'), failed('cart_2')), { receivedAt: T0 });
      const [first, second] = (await feed(store, 2)).map((e) => e.seq);
      const outcome = await detect(store, {
        suppressed: [
          { seq: first as number, team: 'payments', reason: 'customer-caused', minute: M0 },
          { seq: second as number, team: 'payments', reason: 'fraud-check', minute: M0 + MINUTE },
          // A stall has no event of its own.
          { team: 'payments', reason: 'fraud-check', minute: M0 + 2 * MINUTE },
          { team: 'fulfilment', reason: 'customer-caused', minute: M0 },
        ],
      });
      expect(outcome.suppressed).toBe(4);
      expect((await store.findCartHistory('cart_1'))?.events[0]?.suppressed).toBe('customer-caused');
      expect((await store.findCartHistory('cart_2'))?.events[0]?.suppressed).toBe('fraud-check');
      expect(await store.suppressedCounts('payments', M0, M0 + 3 * MINUTE)).toEqual([
        { reason: 'fraud-check', count: 2 },
        { reason: 'customer-caused', count: 1 },
      ]);
      expect(await store.suppressedCounts('payments', M0, M0 + MINUTE)).toEqual([
        { reason: 'customer-caused', count: 1 },
      ]);
      expect(await store.suppressedCounts('nobody', M0, M0 + 3 * MINUTE)).toEqual([]);

      // Counts add up across batches, however many fall in one minute.
      const more = Array.from({ length: 5 }, () => ({
        team: 'payments',
        reason: 'customer-caused',
        minute: M0,
      }));
      await detect(store, { suppressed: more });
      expect(await store.suppressedCounts('payments', M0, M0 + MINUTE)).toEqual([
        { reason: 'customer-caused', count: 6 },
      ]);
    });
  });

  describe('rate counts', () => {
    const tally = (minute: number, attempts: number, failures: number, codes: Record<string, number>) => ({
      rule: RULE.name,
      minute,
      attempts,
      failures,
      codes,
    });

    it('when tallies come in batches, then the readout sums its window and the 7 days before, with the top codes', async () => {
      await detect(store, {
        rateTallies: [
          tally(M0, 10, 6, { card_declined: 2, api_error: 2, '': 1, b_code: 1 }),
          tally(M0 - MINUTE, 100, 5, { card_declined: 5 }),
          tally(M0 + 15 * MINUTE, 50, 50, { api_error: 50 }),
          { ...tally(M0, 99, 99, { other: 99 }), rule: 'another-rule' },
        ],
      });
      await detect(store, {
        rateTallies: [tally(M0 + MINUTE, 5, 4, { card_declined: 1, a_code: 1, Z_code: 1, api_error: 1 })],
      });
      const readout = await store.rateReadout({ rule: RULE.name, dedupKey: rateDedupKey(RULE), ...SPANS });
      expect(readout).toEqual({
        window: { attempts: 15, failures: 10 },
        history: { attempts: 100, failures: 5 },
        // Ties in byte order: upper case before lower, '' first of all.
        topCodes: [
          { code: 'api_error', count: 3 },
          { code: 'card_declined', count: 3 },
          { code: '', count: 1 },
          { code: 'Z_code', count: 1 },
          { code: 'a_code', count: 1 },
        ],
        state: {},
      });
    });

    it('when counts are older than the cutoff, then pruning deletes them and says how many rows went', async () => {
      await detect(store, {
        rateTallies: [tally(M0 - 2 * MINUTE, 3, 1, { x: 1 }), tally(M0, 4, 2, { x: 1, y: 1 })],
        suppressed: [
          { team: 'payments', reason: 'customer-caused', minute: M0 - MINUTE },
          { team: 'payments', reason: 'customer-caused', minute: M0 },
        ],
      });
      expect(await store.pruneNoiseCounts(M0)).toBe(3);
      expect(await store.pruneNoiseCounts(M0)).toBe(0);
      const readout = await store.rateReadout({
        rule: RULE.name,
        dedupKey: rateDedupKey(RULE),
        ...SPANS,
        windowFrom: M0 - 5 * MINUTE,
      });
      expect(readout.window).toEqual({ attempts: 4, failures: 2 });
      expect(await store.suppressedCounts('payments', 0, M0 + MINUTE)).toEqual([
        { reason: 'customer-caused', count: 1 },
      ]);
    });
  });

  describe('rate steps', () => {
    it('when a breach is stepped, then one rate exception opens with its figures, and a step from an older state changes nothing', async () => {
      const now = T0 + MINUTE;
      const step = raiseStep(now);
      const outcome = await store.applySweep(sweepOf(now, [step]));
      expect(outcome).toMatchObject({ opened: 1, raisedRates: [RULE.name] });
      const readout = await store.rateReadout({ rule: RULE.name, dedupKey: rateDedupKey(RULE), ...SPANS });
      expect(readout.state).toEqual({ breachedAt: now });
      expect(readout.live).toMatchObject({
        kind: 'rate',
        dedupKey: rateDedupKey(RULE),
        team: 'payments',
        rate: step.raise?.figures,
        errorMessage: step.raise?.facts.errorMessage,
      });
      const again = await store.applySweep(sweepOf(now + MINUTE, [raiseStep(now + MINUTE)]));
      expect(again.opened).toBe(0);
      expect(
        (await store.rateReadout({ rule: RULE.name, dedupKey: rateDedupKey(RULE), ...SPANS })).state,
      ).toEqual({
        breachedAt: now,
      });
    });

    it('when a breached rule moves and then calms, then its figures are stored and its exception resolves', async () => {
      const now = T0 + MINUTE;
      const raised = raiseStep(now);
      await store.applySweep(sweepOf(now, [raised]));
      const figures = {
        ...(raised.raise?.figures as NonNullable<RateStep['raise']>['figures']),
        failures: 12,
        attempts: 25,
      };
      const later = now + 5 * MINUTE;
      const dedupKey = rateDedupKey(RULE);
      await store.applySweep(
        sweepOf(later, [
          {
            rule: RULE.name,
            from: { breachedAt: now },
            to: { breachedAt: now, calmSince: later },
            update: { dedupKey, figures, summary: rateSummary(figures) },
          },
        ]),
      );
      const moved = await store.rateReadout({ rule: RULE.name, dedupKey, ...SPANS });
      expect(moved.state).toEqual({ breachedAt: now, calmSince: later });
      expect(moved.live).toMatchObject({
        rate: figures,
        errorMessage: rateSummary(figures),
        lastSeenAt: later,
      });
      const calm = later + 15 * MINUTE;
      const outcome = await store.applySweep(
        sweepOf(calm, [
          { rule: RULE.name, from: { breachedAt: now, calmSince: later }, to: {}, resolve: { dedupKey } },
        ]),
      );
      expect(outcome).toMatchObject({ resolved: 1, resolvedAfterMs: [calm - now] });
      const settled = await store.rateReadout({ rule: RULE.name, dedupKey, ...SPANS });
      expect(settled.state).toEqual({});
      expect(settled.live).toBeUndefined();
    });
  });

  describe('failures since', () => {
    it('when a breached rule asks for its failures, then it gets those counted since, newest first, and the scan stops at older arrivals', async () => {
      const since = T0;
      const record = (receivedAt: number, wire: Record<string, unknown>) =>
        store.recordEvents(newEvents(wire), { receivedAt });
      await record(since - 1, anEvent({ cart_id: 'old', status: 'failed', occurred_at: iso(since - 1) }));
      await record(
        since + 1,
        anEvent({ cart_id: 'early', status: 'failed', occurred_at: iso(since - 5 * MINUTE) }),
      );
      await record(since + 2, anEvent({ cart_id: 'fine', status: 'succeeded', occurred_at: iso(since + 1) }));
      await record(
        since + 3,
        anEvent({
          cart_id: 'cart_4',
          status: 'failed',
          occurred_at: iso(since + MINUTE),
          error: { code: 'api_error', message: 'boom' },
          amount: { value: 1999, currency: 'USD' },
        }),
      );
      await record(
        since + 4,
        anEvent({
          cart_id: undefined,
          order_id: 'ord_5',
          stage: 'fulfillment',
          step: 'ship',
          status: 'failed',
          source: 'shopify',
          occurred_at: iso(since),
        }),
      );
      expect(await store.failuresSince(since)).toEqual([
        { stage: 'fulfillment', step: 'ship', source: 'shopify', at: since },
        {
          cartId: 'cart_4',
          stage: 'payment',
          step: 'authorize',
          source: 'stripe',
          errorCode: 'api_error',
          amount: { value: 1999, currency: 'USD' },
          at: since + 3,
        },
      ]);
      expect(await store.failuresSince(since + 10)).toEqual([]);
    });

    it('when a failure lies behind many later events, then it is still found', async () => {
      const since = T0;
      const failed = anEvent({ cart_id: 'cart_x', status: 'failed', occurred_at: iso(since) });
      await store.recordEvents(newEvents(failed), { receivedAt: since });
      for (let batch = 0; batch < 3; batch += 1) {
        const fine = Array.from({ length: 500 }, () => anEvent({ occurred_at: iso(since + MINUTE) }));
        await store.recordEvents(newEvents(...fine), { receivedAt: since + 1 + batch });
      }
      expect((await store.failuresSince(since)).map((f) => f.cartId)).toEqual(['cart_x']);
    });
  });
});

// SQLite has one writer per file: several instances on one database are what Postgres is for.
describe('postgres store: noise with two instances at once', () => {
  let t: TestStore;

  beforeEach(async () => {
    t = await openTestStore('postgres', { now: T0 });
  });
  afterEach(async () => {
    await t.close();
  });

  it('when two instances step the same breach at once, then one rate exception opens and the state moves once', async () => {
    const other = await t.openAnother();
    const now = T0 + MINUTE;
    const outcomes = await Promise.all([
      t.store.applySweep(sweepOf(now, [raiseStep(now)])),
      other.applySweep(sweepOf(now + 1, [raiseStep(now + 1)])),
    ]);
    expect(outcomes.reduce((n, o) => n + o.opened, 0)).toBe(1);
    const readout = await t.store.rateReadout({ rule: RULE.name, dedupKey: rateDedupKey(RULE), ...SPANS });
    expect([now, now + 1]).toContain(readout.state.breachedAt);
    expect(readout.live?.count).toBe(1);
  });

  it('when two instances count the same minutes at once, then no count is lost', async () => {
    const other = await t.openAnother();
    // Sweeps on both instances hold back stalls into the same minutes, team and reason.
    const held = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        team: 'payments',
        reason: 'customer-caused',
        minute: M0 + (i % 3) * MINUTE,
        claim: { type: 'once' as const },
      }));
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? other : t.store).applySweep({ ...sweepOf(T0, []), suppressed: held(10) }),
      ),
    );
    expect(await t.store.suppressedCounts('payments', M0, M0 + 3 * MINUTE)).toEqual([
      { reason: 'customer-caused', count: 60 },
    ]);
  });
});

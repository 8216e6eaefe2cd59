import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { OutboxJob } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';
import { anEvent, newEvents } from '../support/events.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { fence, OPS, raiseFailure, sweepBatchOf } from '../support/sweep-batches.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const POLICY: DuePolicy = {
  ...NO_DUE_POLICY,
  slaMs: { payment: 30 * MINUTE },
  expect: [
    {
      after: { stage: 'payment', step: 'authorize' },
      next: { stage: 'payment', step: 'capture' },
      withinMs: 10 * MINUTE,
    },
  ],
  watchedSources: ['stripe'],
  // No storms here: each raise keeps a message of its own.
  grouping: { min: 1000, windowMs: 5 * MINUTE, waitMs: 0 },
};

describe.each(STORE_KINDS)('%s store: sweeps', (kind) => {
  let t: TestStore;
  let store: Store;
  let received = 0;
  const record = (...wire: Record<string, unknown>[]) =>
    store.recordEvents(newEvents(...wire), { receivedAt: T0 + ++received });
  /** A cart whose payment was authorised at `ms` and is waiting for its capture. */
  const authorised = (cart: string, ms: number, extra: Record<string, unknown> = {}) =>
    record(
      anEvent({
        cart_id: cart,
        stage: 'payment',
        step: 'authorize',
        status: 'succeeded',
        occurred_at: iso(ms),
        ...extra,
      }),
    );
  const started = (cart: string, ms: number, extra: Record<string, unknown> = {}) =>
    record(
      anEvent({
        cart_id: cart,
        stage: 'payment',
        step: 'capture',
        status: 'started',
        occurred_at: iso(ms),
        ...extra,
      }),
    );
  const sendAll = async (now: number): Promise<OutboxJob[]> => {
    const sent: OutboxJob[] = [];
    for (let jobs = await store.claimOutbox({ now, limit: 50, leaseMs: MINUTE }); jobs.length > 0; ) {
      for (const job of jobs)
        await store.completeOutbox({
          id: job.id,
          at: now,
          ts: `ts.${job.id}`,
          ...fence(job),
        });
      sent.push(...jobs);
      jobs = await store.claimOutbox({ now, limit: 50, leaseMs: MINUTE });
    }
    return sent;
  };

  beforeEach(async () => {
    received = 0;
    t = await openTestStore(kind, { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  describe('due work', () => {
    it('when a cart overstays its stage, then it is due at its SLA and not before, oldest first, with its value', async () => {
      await started('cart_b', T0 + MINUTE, { amount: { value: 4200, currency: 'EUR' } });
      await started('cart_a', T0);
      expect((await store.dueWork(T0 + 30 * MINUTE - 1, 10)).stalls).toEqual([]);
      const due = await store.dueWork(T0 + 40 * MINUTE, 10);
      expect(due.stalls).toEqual([
        { cartId: 'cart_a', stage: 'payment', step: 'capture', dueAt: T0 + 30 * MINUTE, lastProgressAt: T0 },
        {
          cartId: 'cart_b',
          stage: 'payment',
          step: 'capture',
          dueAt: T0 + 31 * MINUTE,
          lastProgressAt: T0 + MINUTE,
          amount: { value: 4200, currency: 'EUR' },
        },
      ]);
      expect((await store.dueWork(T0 + 40 * MINUTE, 1)).stalls.map((s) => s.cartId)).toEqual(['cart_a']);
    });

    it('when an expected step does not come in time, then its expectation is due, and nothing else is', async () => {
      await authorised('cart_x', T0);
      const due = await store.dueWork(T0 + 10 * MINUTE, 10);
      expect(due.expectations).toEqual([
        { cartId: 'cart_x', rule: 'payment.authorize>payment.capture', afterAt: T0, dueAt: T0 + 10 * MINUTE },
      ]);
      expect(due.escalations).toEqual([]);
      expect(due.reminders).toEqual([]);
      expect((await store.dueWork(T0 + 10 * MINUTE - 1, 10)).expectations).toEqual([]);
    });

    it('when carts wait in a stage, then the backlog counts them, lists the oldest first, and sources are known', async () => {
      await started('cart_1', T0 + 2 * MINUTE, { amount: { value: 1000, currency: 'USD' } });
      await started('cart_2', T0);
      await started('cart_3', T0 + MINUTE, { source: 'shopify' });
      expect(await store.backlogOf('payment')).toEqual({ waiting: 3, oldestAt: T0 });
      expect(await store.backlogOf('checkout')).toEqual({ waiting: 0 });
      expect(await store.waitingCarts('payment', 2)).toEqual([
        { cartId: 'cart_2', step: 'capture', since: T0 },
        { cartId: 'cart_3', step: 'capture', since: T0 + MINUTE },
      ]);
      expect((await store.waitingCarts('payment', 5))[2]).toEqual({
        cartId: 'cart_1',
        step: 'capture',
        since: T0 + 2 * MINUTE,
        value: { value: 1000, currency: 'USD' },
      });
      const sources = await store.sourceActivity();
      // Heard from when received (the second batch), not when its events say they happened.
      expect(sources.get('stripe')).toEqual({ lastSeenAt: T0 + 2, stage: 'payment' });
      expect(sources.has('shopify')).toBe(false);
    });
  });

  describe('applying a sweep', () => {
    it('when a due stall is raised, then it is claimed with its exception: a second sweep finds nothing and opens nothing', async () => {
      await started('cart_s', T0);
      await authorised('cart_e', T0 + MINUTE);
      const now = T0 + 31 * MINUTE;
      const batch = sweepBatchOf(await store.dueWork(now, 10), now, POLICY);
      expect(await store.applySweep(batch)).toMatchObject({ opened: 2, escalated: 0, reminded: 0 });
      expect(await store.applySweep(batch)).toMatchObject({ opened: 0 });
      const due = await store.dueWork(now, 10);
      expect(due.stalls).toEqual([]);
      expect(due.expectations).toEqual([]);
      const [stall] = await store.exceptionsOfCart('cart_s');
      expect(stall).toMatchObject({
        kind: 'stalled',
        state: 'open',
        stage: 'payment',
        step: 'capture',
        team: 'ops',
      });
      const [missing] = await store.exceptionsOfCart('cart_e');
      expect(missing).toMatchObject({ kind: 'stalled', state: 'open', cartId: 'cart_e' });
    });

    it('when carts move on after their SLA stalls, then one detection batch settles each stall its progress came after, and no other', async () => {
      for (const cart of ['cart_p', 'cart_q', 'cart_r']) await started(cart, T0);
      const now = T0 + 40 * MINUTE;
      expect(await store.applySweep(sweepBatchOf(await store.dueWork(now, 10), now, POLICY))).toMatchObject({
        opened: 3,
      });
      const from = await store.detectionCursor();
      const page = await store.eventsAfter(from, 100);
      await store.applyDetection({
        from,
        cursor: page.next,
        changes: [
          { type: 'progress', cartId: 'cart_p', at: T0 + 41 * MINUTE },
          { type: 'progress', cartId: 'cart_q', at: T0 + 42 * MINUTE },
          // Progress from before the stall was raised (an event that arrived late) leaves it open.
          { type: 'progress', cartId: 'cart_r', at: T0 + 20 * MINUTE },
        ],
        now: T0 + 43 * MINUTE,
      });
      const states = async (cart: string) =>
        (await store.exceptionsOfCart(cart)).map((e) => [e.state, e.resolution]);
      expect(await states('cart_p')).toEqual([['resolved', 'auto']]);
      expect(await states('cart_q')).toEqual([['resolved', 'auto']]);
      expect(await states('cart_r')).toEqual([['open', undefined]]);
    });

    it('when an expectation is armed under a rule no longer configured, then a sweep drops it', async () => {
      await authorised('cart_d', T0);
      const now = T0 + 10 * MINUTE;
      const batch = sweepBatchOf(await store.dueWork(now, 10), now, { ...POLICY, expect: [] });
      expect(batch.drops).toHaveLength(1);
      expect(await store.applySweep(batch)).toMatchObject({ opened: 0 });
      expect((await store.dueWork(now, 10)).expectations).toEqual([]);
      expect(await store.exceptionsOfCart('cart_d')).toEqual([]);
    });

    it('when a standing check raises and later resolves, then it opens once while live and resolves once', async () => {
      const facts = {
        kind: 'backlog' as const,
        dedupKey: 'backlog:payment',
        stage: 'payment' as const,
        step: '*',
      };
      const raise = { facts, routing: OPS, at: T0, claim: { type: 'once' as const } };
      const empty = { raises: [], resolves: [], escalations: [], reminders: [], drops: [] };
      expect(await store.applySweep({ ...empty, now: T0, raises: [raise] })).toMatchObject({ opened: 1 });
      expect(await store.applySweep({ ...empty, now: T0 + MINUTE, raises: [raise] })).toMatchObject({
        opened: 0,
      });
      const resolved = await store.applySweep({
        ...empty,
        now: T0 + 5 * MINUTE,
        resolves: [{ dedupKey: 'backlog:payment' }],
      });
      expect(resolved).toMatchObject({ resolved: 1, resolvedAfterMs: [5 * MINUTE] });
      expect(
        await store.applySweep({
          ...empty,
          now: T0 + 6 * MINUTE,
          resolves: [{ dedupKey: 'backlog:payment' }],
        }),
      ).toMatchObject({ resolved: 0 });
    });

    it('when an open exception waits past its escalation time, then the team is mentioned in its thread once', async () => {
      await raiseFailure(store, 'cart_f', T0);
      await sendAll(T0);
      const now = T0 + POLICY.escalateAfterMs;
      expect((await store.dueWork(now - 1, 10)).escalations).toEqual([]);
      const due = await store.dueWork(now, 10);
      expect(due.escalations.map((e) => e.cartId)).toEqual(['cart_f']);
      const batch = sweepBatchOf(due, now, POLICY);
      batch.escalations = batch.escalations.map((s) => ({ ...s, mention: '@ops' }));
      expect(await store.applySweep(batch)).toMatchObject({ escalated: 1 });
      expect(await store.applySweep(batch)).toMatchObject({ escalated: 0 });
      const notes = (await sendAll(now)).filter((j) => j.kind === 'thread');
      expect(notes.map((j) => j.kind === 'thread' && j.note)).toEqual([
        { type: 'escalation', waitedMs: POLICY.escalateAfterMs, mention: '@ops' },
      ]);
      // No escalation channel: the thread mention was the last step.
      expect(await store.findException(due.escalations[0]?.id ?? 0)).toMatchObject({ escalationLevel: 1 });
      expect((await store.dueWork(now + 10 * POLICY.escalateAfterMs, 10)).escalations).toEqual([]);
    });

    it('when an acknowledged exception sits past its reminder time, then its assignee is reminded, and again later', async () => {
      await raiseFailure(store, 'cart_r', T0);
      await sendAll(T0);
      const [exception] = await store.exceptionsOfCart('cart_r');
      const id = exception?.id ?? 0;
      await store.applyAction({
        exceptionId: id,
        action: 'acknowledge',
        actor: 'U0ANNA',
        revision: exception?.revision ?? 0,
        at: T0 + MINUTE,
      });
      await sendAll(T0 + MINUTE);
      const now = T0 + MINUTE + POLICY.remindAfterMs;
      const due = await store.dueWork(now, 10);
      expect(due.reminders.map((e) => e.id)).toEqual([id]);
      expect(due.escalations).toEqual([]);
      const batch = sweepBatchOf(due, now, POLICY);
      expect(await store.applySweep(batch)).toMatchObject({ reminded: 1 });
      expect(await store.applySweep(batch)).toMatchObject({ reminded: 0 });
      const notes = (await sendAll(now)).filter((j) => j.kind === 'thread');
      expect(notes.map((j) => j.kind === 'thread' && j.note)).toEqual([
        { type: 'reminder', assignee: 'U0ANNA', waitedMs: POLICY.remindAfterMs },
      ]);
      expect(await store.findException(id)).toMatchObject({ remindAt: now + POLICY.remindAfterMs });
    });
  });

  describe('storms', () => {
    it('when a whole storm falls due, then it escalates once, through its oldest open member, and the others stand down', async () => {
      const stormy = await openTestStore(kind, {
        policy: { ...POLICY, grouping: { min: 3, windowMs: 5 * MINUTE, waitMs: 0 } },
        now: T0,
      });
      try {
        const s = stormy.store;
        for (let i = 0; i < 4; i++) await raiseFailure(s, `storm_${i}`, T0 + i);
        const now = T0 + 3 + POLICY.escalateAfterMs;
        const due = await s.dueWork(now, 10);
        expect(due.escalations.map((e) => e.groupId !== undefined)).toEqual([true, true, true, true]);
        const outcome = await s.applySweep(sweepBatchOf(due, now, POLICY));
        expect(outcome).toMatchObject({ escalated: 1 });
        const members = await Promise.all(due.escalations.map((e) => s.findException(e.id)));
        expect(members.map((e) => [e?.escalationLevel, e?.escalateAt])).toEqual([
          [1, undefined],
          [0, undefined],
          [0, undefined],
          [0, undefined],
        ]);
        expect((await s.dueWork(now + 10 * POLICY.escalateAfterMs, 10)).escalations).toEqual([]);
      } finally {
        await stormy.close();
      }
    });
  });

  describe('holding back', () => {
    it('when a maintenance window holds due checks back, then they are due again at its end, unconsumed', async () => {
      await started('cart_h', T0);
      await authorised('cart_i', T0);
      const now = T0 + 31 * MINUTE;
      const until = T0 + 90 * MINUTE;
      const due = await store.dueWork(now, 10);
      const items = [
        ...due.stalls.map((s) => ({
          claim: { type: 'stall' as const, cartId: s.cartId, dueAt: s.dueAt },
          until,
        })),
        ...due.expectations.map((x) => ({
          claim: { type: 'expect' as const, cartId: x.cartId, rule: x.rule, dueAt: x.dueAt },
          until,
        })),
      ];
      expect(items).toHaveLength(3);
      await store.holdBackDue({ items });
      const held = await store.dueWork(until - 1, 10);
      expect([...held.stalls, ...held.expectations]).toEqual([]);
      const after = await store.dueWork(until, 10);
      expect(after.stalls.map((s) => [s.cartId, s.dueAt]).sort()).toEqual([
        ['cart_h', until],
        ['cart_i', until],
      ]);
      expect(after.expectations.map((x) => [x.cartId, x.dueAt])).toEqual([['cart_i', until]]);
    });
  });
});

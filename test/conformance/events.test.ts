import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { DetectionCursor, DetectionPage, NewEvent, Store } from '../../src/store/store.js';
import { anEvent, at, newEvents } from '../support/events.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { waitFor } from '../support/wait-for.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

const batch = newEvents;

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
};

describe.each(STORE_KINDS)('%s store: events', (kind) => {
  let t: TestStore;
  let store: Store;
  let received = 0;
  const record = (...wire: Record<string, unknown>[]) =>
    store.recordEvents(batch(...wire), { receivedAt: T0 + ++received });
  const idsOf = async (id: string) => (await store.findCartHistory(id))?.events.map((e) => e.id);
  /**
   * A feed page once `expected` events show: on Postgres the feed stops below the oldest transaction
   * running anywhere on the server (another test file's, say), so what just committed may wait a moment.
   */
  const feed = async (cursor: DetectionCursor, limit: number, expected: number) => {
    let page: DetectionPage = { events: [], next: cursor };
    await waitFor(
      async () => {
        page = await store.eventsAfter(cursor, limit);
        return page.events.length >= expected;
      },
      { timeoutMs: 15_000, what: `${expected} events in the feed` },
    );
    return page;
  };

  beforeEach(async () => {
    received = 0;
    t = await openTestStore(kind, { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  describe('recording and correlation', () => {
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
        expect(history?.events.every((e) => e.cartId === 'cart_9')).toBe(true);
      }
      // The adopted payment event is the latest: the projection follows it.
      expect(await store.cartState('cart_9')).toMatchObject({
        stage: 'payment',
        lastProgressAt: Date.parse(at(5)),
      });
    });

    it('when an order id is linked, then a later event carrying only that order id joins the cart', async () => {
      await record(
        anEvent({ id: 'o1', cart_id: 'cart_2', order_id: 'ord_2', stage: 'order', step: 'create' }),
      );
      await record(
        anEvent({
          id: 'f1',
          cart_id: undefined,
          order_id: 'ord_2',
          stage: 'fulfillment',
          occurred_at: at(30),
        }),
      );
      const history = await store.findCartHistory('ord_2');
      expect(history?.cartId).toBe('cart_2');
      expect(history?.events.map((e) => e.id)).toEqual(['o1', 'f1']);
    });

    it('when a key waits and its link comes in the same batch, then the batch ends with both in the cart', async () => {
      expect(
        await record(
          anEvent({ id: 'w1', cart_id: undefined, order_id: 'ord_7', stage: 'order', occurred_at: at(9) }),
          anEvent({ id: 'w2', cart_id: 'cart_7', order_id: 'ord_7', stage: 'checkout', occurred_at: at(2) }),
          anEvent({
            id: 'w3',
            cart_id: undefined,
            order_id: 'ord_7',
            stage: 'fulfillment',
            occurred_at: at(12),
          }),
        ),
      ).toEqual({ accepted: 3, duplicates: 0 });
      expect(await idsOf('cart_7')).toEqual(['w2', 'w1', 'w3']);
      expect(await store.cartState('cart_7')).toMatchObject({ stage: 'fulfillment' });
    });

    it('when a key is already linked to a cart, then a second cart claiming it does not take it over', async () => {
      await record(anEvent({ id: 'a1', cart_id: 'cart_a', order_id: 'ord_x' }));
      await record(anEvent({ id: 'b1', cart_id: 'cart_b', order_id: 'ord_x' }));
      await record(anEvent({ id: 'k1', cart_id: undefined, order_id: 'ord_x', occurred_at: at(3) }));
      expect((await store.findCartHistory('ord_x'))?.cartId).toBe('cart_a');
      expect(await idsOf('cart_a')).toEqual(['a1', 'k1']);
    });

    it('when a key with live exceptions is linked to a cart, then they move to the cart unless it has the same one live', async () => {
      const routing = { team: 'payments', channel: 'C0PAY', reason: 'stage is payment' };
      const raise = async (subject: string, code: string) => {
        const cursor = await store.detectionCursor();
        const facts = { kind: 'failed' as const, dedupKey: `failed:${subject}:payment.capture:${code}` };
        await store.applyDetection({
          from: cursor,
          cursor,
          now: T0,
          changes: [
            {
              type: 'raise',
              facts: { ...facts, cartId: subject, stage: 'payment', step: 'capture', errorCode: code },
              routing,
              at: T0,
            },
          ],
        });
      };
      await record(
        anEvent({ id: 'k1', cart_id: undefined, order_id: 'ord_9', status: 'failed', occurred_at: at(5) }),
      );
      await raise('ord_9', 'card_declined');
      await raise('ord_9', 'expired_card');
      await raise('cart_9', 'expired_card');
      await record(
        anEvent({ id: 'c1', cart_id: 'cart_9', order_id: 'ord_9', stage: 'checkout', occurred_at: at(1) }),
      );
      const keys = (await store.exceptionsOfCart('cart_9')).map((e) => [e.dedupKey, e.cartId]).sort();
      expect(keys).toEqual([
        ['failed:cart_9:payment.capture:card_declined', 'cart_9'],
        ['failed:cart_9:payment.capture:expired_card', 'cart_9'],
      ]);
      // The cart already had that one live: the key's stays where it was.
      expect((await store.exceptionsOfCart('ord_9')).map((e) => e.dedupKey)).toEqual([
        'failed:ord_9:payment.capture:expired_card',
      ]);
    });

    it('when the same id is recorded twice, then it is stored once and counted as a duplicate', async () => {
      const event = anEvent();
      expect(await record(event)).toEqual({ accepted: 1, duplicates: 0 });
      expect(await record(event, event)).toEqual({ accepted: 0, duplicates: 2 });
      expect((await store.findCartHistory('cart_1'))?.events).toHaveLength(1);
    });

    it('when a batch repeats an id within itself, then the first is kept and the second is a duplicate', async () => {
      const event = anEvent({ id: 'twice' });
      expect(await record(event, { ...event, step: 'capture' })).toEqual({ accepted: 1, duplicates: 1 });
      expect((await store.findCartHistory('cart_1'))?.events.map((e) => e.step)).toEqual(['authorize']);
    });

    it('when batches arrive together, then each caller learns its own outcome and every event is stored once', async () => {
      const shared = anEvent({ id: 'shared' });
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => record(anEvent({ cart_id: `cart_g${i % 3}` }), shared)),
      );
      expect(outcomes.reduce((n, o) => n + o.accepted, 0)).toBe(13);
      expect(outcomes.reduce((n, o) => n + o.duplicates, 0)).toBe(11);
      const stored = await Promise.all(['cart_g0', 'cart_g1', 'cart_g2', 'cart_1'].map(idsOf));
      expect(stored.map((ids) => ids?.length)).toEqual([4, 4, 4, 1]);
    });

    it('when nothing matches an id, then no history is found', async () => {
      expect(await store.findCartHistory('nope')).toBeNull();
    });

    it('when a catalog event carries only a sku, then it is stored outside any cart', async () => {
      const sku = anEvent({ cart_id: undefined, stage: 'catalog', step: 'sync', sku: 'SKU-1' });
      expect(await record(sku)).toEqual({ accepted: 1, duplicates: 0 });
      const page = await feed(await store.detectionCursor(), 10, 1);
      expect(page.events).toMatchObject([{ id: sku.id, sku: 'SKU-1' }]);
      expect(page.events[0]?.cartId).toBeUndefined();
    });

    it('when an event names its cart by an alias, then the alias finds the cart', async () => {
      const [event] = batch(anEvent({ id: 'al1', cart_id: 'cart_al', order_id: '5550001' }));
      const aliases = [{ alias: '#1001', kind: 'order' as const, value: '5550001' }];
      await store.recordEvents([{ ...(event as NewEvent), aliases }], { receivedAt: T0 });
      expect((await store.findCartHistory('#1001'))?.cartId).toBe('cart_al');
      expect(await store.findCartHistory('#1002')).toBeNull();
    });
  });

  describe('the projection', () => {
    it('when a late event arrives, then the cart keeps the latest stage and its value', async () => {
      const amount = { value: 500, currency: 'EUR' };
      await record(anEvent({ id: 'a', stage: 'fulfillment', step: 'ship', occurred_at: at(20), amount }));
      await record(
        anEvent({
          id: 'b',
          stage: 'payment',
          step: 'capture',
          occurred_at: at(10),
          amount: { value: 9, currency: 'EUR' },
        }),
      );
      expect(await store.cartState('cart_1')).toMatchObject({
        stage: 'fulfillment',
        step: 'ship',
        lastProgressAt: Date.parse(at(20)),
        value: amount,
      });
    });

    it('when only a late event carries a value, then the cart takes it, since it had none', async () => {
      await record(anEvent({ id: 'a', stage: 'order', step: 'create', occurred_at: at(20) }));
      await record(anEvent({ id: 'b', occurred_at: at(10), amount: { value: 700, currency: 'USD' } }));
      expect(await store.cartState('cart_1')).toMatchObject({
        stage: 'order',
        value: { value: 700, currency: 'USD' },
      });
    });

    it('when events come in any order, then the stall due time follows the latest and expect rules arm and disarm', async () => {
      await record(anEvent({ id: 'auth', step: 'authorize', status: 'succeeded', occurred_at: at(10) }));
      expect(await store.cartState('cart_1')).toMatchObject({
        stallDueAt: Date.parse(at(10)) + 30 * MINUTE,
        expectations: [
          {
            rule: 'payment.authorize>payment.capture',
            afterAt: Date.parse(at(10)),
            dueAt: Date.parse(at(20)),
          },
        ],
      });
      await record(anEvent({ id: 'early', stage: 'cart', step: 'add', occurred_at: at(1) }));
      expect(await store.cartState('cart_1')).toMatchObject({
        stage: 'payment',
        stallDueAt: Date.parse(at(40)),
      });
      await record(anEvent({ id: 'cap', step: 'capture', status: 'failed', occurred_at: at(12) }));
      const state = await store.cartState('cart_1');
      expect(state).toMatchObject({ status: 'failed', expectations: [] });
      expect(state?.stallDueAt).toBeUndefined();
    });
  });

  describe('the detection feed', () => {
    it('when events are recorded, then the feed hands them out in order, a page at a time, each once', async () => {
      await record(anEvent({ id: 'e1' }), anEvent({ id: 'e2' }));
      await record(anEvent({ id: 'e3' }));
      const start = await store.detectionCursor();
      const first = await feed(start, 2, 2);
      expect(first.events.map((e) => e.id)).toEqual(['e1', 'e2']);
      const second = await feed(first.next, 2, 1);
      expect(second.events.map((e) => e.id)).toEqual(['e3']);
      const empty = await store.eventsAfter(second.next, 2);
      expect(empty).toEqual({ events: [], next: second.next });
      await record(anEvent({ id: 'e4' }));
      expect((await feed(second.next, 2, 1)).events.map((e) => e.id)).toEqual(['e4']);
    });

    it('when read, then an event carries what was recorded and when it arrived', async () => {
      await record(
        anEvent({
          id: 'full',
          order_id: 'ord_1',
          payment_id: 'pay_1',
          shipment_id: 'shp_1',
          sku: 'sku_1',
          step: 'capture',
          status: 'failed',
          run_id: 'run_1',
          amount: { value: 1250, currency: 'EUR' },
          error: { code: 'x', message: 'y' },
          owner: 'fulfillment',
          attributes: { note: 'the word "owner" inside is not the owner' },
        }),
      );
      const [event] = (await feed(await store.detectionCursor(), 1, 1)).events;
      // Every field, so that a column read into the wrong place shows.
      expect(event).toEqual({
        seq: expect.any(Number),
        id: 'full',
        cartId: 'cart_1',
        orderId: 'ord_1',
        paymentId: 'pay_1',
        shipmentId: 'shp_1',
        sku: 'sku_1',
        stage: 'payment',
        step: 'capture',
        status: 'failed',
        occurredAt: Date.parse('2026-11-27T09:00:00.000Z'),
        receivedAt: T0 + 1,
        source: 'stripe',
        runId: 'run_1',
        amount: { value: 1250, currency: 'EUR' },
        error: { code: 'x', message: 'y' },
        owner: 'fulfillment',
        attributes: { note: 'the word "owner" inside is not the owner' },
      });
    });

    it('when an event names no owner but its attributes hold one, then it is read without one', async () => {
      await record(anEvent({ id: 'mentions', attributes: { owner: 'not the event’s owner' } }));
      const [event] = (await feed(await store.detectionCursor(), 1, 1)).events;
      expect(event?.id).toBe('mentions');
      expect(event).not.toHaveProperty('owner');
    });

    it('when an owner holds what JSON must escape (a NUL, half an emoji), then the feed still reads it and the events after it', async () => {
      // A NUL and a lone high surrogate: JSON.stringify writes both as \u escapes in the raw.
      const owner = `team${String.fromCharCode(0)}${String.fromCharCode(0xd83d)}`;
      await record(anEvent({ id: 'odd_owner', owner }), anEvent({ id: 'after_it' }));
      const { events } = await feed(await store.detectionCursor(), 2, 2);
      expect(events.map((e) => e.id)).toEqual(['odd_owner', 'after_it']);
      expect(events[0]?.owner).toBe(owner);
    });
  });

  describe('retention, webhook failures and the database', () => {
    it('when events are older than the cutoff, then they are pruned in batches of the given size', async () => {
      for (let i = 0; i < 5; i++) await record(anEvent());
      expect(await store.pruneBefore(T0 + 4, { limit: 2 })).toBe(2);
      expect(await store.pruneBefore(T0 + 4, { limit: 2 })).toBe(1);
      expect(await store.pruneBefore(T0 + 4, { limit: 2 })).toBe(0);
      expect((await feed(await store.detectionCursor(), 10, 2)).events).toHaveLength(2);
    });

    it('when a cart is idle past the cutoff, then it goes with its links and aliases, and its key finds nothing', async () => {
      const [event] = batch(
        anEvent({ id: 'old', cart_id: 'cart_old', order_id: 'ord_old', occurred_at: at(0) }),
      );
      const aliases = [{ alias: '#900', kind: 'order' as const, value: 'ord_old' }];
      await store.recordEvents([{ ...(event as NewEvent), aliases }], { receivedAt: Date.parse(at(0)) });
      const later = batch(anEvent({ id: 'new', cart_id: 'cart_new', occurred_at: at(50) }));
      await store.recordEvents(later, { receivedAt: Date.parse(at(50)) });
      const cutoff = Date.parse(at(30));
      expect(await store.pruneBefore(cutoff, { limit: 100 })).toBe(1);
      expect(await store.cartState('cart_old')).toBeUndefined();
      expect(await store.findCartHistory('ord_old')).toBeNull();
      expect(await store.findCartHistory('#900')).toBeNull();
      expect(await store.cartState('cart_new')).toMatchObject({ stage: 'payment' });
    });

    it('when a webhook body could not be read, then it is kept with its reason, newest first', async () => {
      await store.recordWebhookFailure({
        platform: 'shopify',
        topic: 'orders/create',
        reason: 'bad',
        raw: '{',
        receivedAt: T0,
      });
      await store.recordWebhookFailure({
        platform: 'stripe',
        topic: 'charge.failed',
        reason: 'worse',
        raw: '[',
        receivedAt: T0 + 1,
      });
      const failures = await store.webhookFailures(10);
      expect(failures.map(({ id: _id, ...f }) => f)).toEqual([
        { platform: 'stripe', topic: 'charge.failed', reason: 'worse', raw: '[', receivedAt: T0 + 1 },
        { platform: 'shopify', topic: 'orders/create', reason: 'bad', raw: '{', receivedAt: T0 },
      ]);
      expect(await store.webhookFailures(1)).toHaveLength(1);
    });

    it('when opened, then the database says when it began, by its first opener, and is healthy', async () => {
      expect(await store.createdAt()).toBe(T0);
      const other = await t.openAnother();
      expect(await other.createdAt()).toBe(T0);
      expect(await store.health()).toEqual({ ok: true, detail: 'ok' });
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { ExceptionFacts } from '../../src/domain/exception.js';
import type { DetectionChange, OutboxJob } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';
import { anEvent, newEvents } from '../support/events.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

// Exceptions raised, repeated and resolved by detection, and what people do to them, seen through Store.
const MINUTE = 60_000;
const T0 = 1_800_000_000_000;
const { escalateAfterMs, remindAfterMs } = NO_DUE_POLICY;

const routing = { team: 'payments', channel: 'C0PAYMENTS', reason: 'stage is payment' };
const facts = (cart: string, extra: Partial<ExceptionFacts> = {}): ExceptionFacts => ({
  kind: 'failed',
  dedupKey: `failed:${cart}:payment.capture`,
  cartId: cart,
  stage: 'payment',
  step: 'capture',
  errorCode: 'card_declined',
  errorMessage: 'Your card was declined.',
  amount: { value: 4_200, currency: 'EUR' },
  ...extra,
});
const raiseOf = (cart: string, at: number): DetectionChange => ({
  type: 'raise',
  facts: facts(cart),
  routing,
  at,
});

describe.each(STORE_KINDS)('%s store: exceptions', (kind) => {
  let opened: TestStore;
  let store: Store;

  beforeEach(async () => {
    opened = await openTestStore(kind, { now: T0 });
    store = opened.store;
  });
  afterEach(async () => {
    await opened.close();
  });

  /** A detection batch with no events behind it: the cursor stays, and the batch still applies. */
  async function detect(changes: DetectionChange[], now: number, on: Store = store) {
    const cursor = await on.detectionCursor();
    return on.applyDetection({ from: cursor, cursor, now, changes });
  }

  async function sendAll(now: number): Promise<OutboxJob[]> {
    const sent: OutboxJob[] = [];
    for (let jobs = await store.claimOutbox({ now, limit: 50, leaseMs: MINUTE }); jobs.length > 0; ) {
      for (const job of jobs) await store.completeOutbox({ id: job.id, at: now, ts: `ts.${job.id}` });
      sent.push(...jobs);
      jobs = await store.claimOutbox({ now, limit: 50, leaseMs: MINUTE });
    }
    return sent;
  }

  it('when a failure is raised, then it is open, audited, due to escalate, and posted after the short wait', async () => {
    const outcome = await detect([raiseOf('c1', T0 - 5_000)], T0);
    expect(outcome).toMatchObject({ opened: 1, repeated: 0, resolved: 0 });
    const [exception] = await store.exceptionsOfCart('c1');
    expect(exception).toMatchObject({
      id: 1,
      state: 'open',
      kind: 'failed',
      count: 1,
      firstSeenAt: T0 - 5_000,
      lastSeenAt: T0 - 5_000,
      raisedAt: T0,
      escalateAt: T0 + escalateAfterMs,
      escalationLevel: 0,
      revision: 0,
      amount: { value: 4_200, currency: 'EUR' },
      amountFrom: 'event',
      team: 'payments',
      channel: 'C0PAYMENTS',
    });
    expect(exception?.assignee).toBeUndefined();
    expect(await store.findException(1)).toEqual(exception);
    expect(await store.findException(99)).toBeNull();
    expect(await store.auditOf(1)).toEqual([
      { exceptionId: 1, at: T0, actor: 'cartwatch', action: 'opened' },
    ]);
    expect(await sendAll(T0 + 5_000)).toEqual([]);
    const posted = await sendAll(T0 + NO_DUE_POLICY.grouping.waitMs);
    expect(posted.map((job) => job.kind)).toEqual(['post']);
  });

  it('when the same failure comes again, then the live exception counts it and its thread is told once', async () => {
    await detect([raiseOf('c1', T0)], T0);
    await sendAll(T0 + MINUTE);
    const outcome = await detect(
      [raiseOf('c1', T0 + 2 * MINUTE), raiseOf('c1', T0 + MINUTE)],
      T0 + 2 * MINUTE,
    );
    expect(outcome).toMatchObject({ opened: 0, repeated: 2 });
    expect(await store.findException(1)).toMatchObject({ count: 3, lastSeenAt: T0 + 2 * MINUTE });
    const jobs = await sendAll(T0 + 2 * MINUTE);
    expect(jobs.map((job) => (job.kind === 'thread' ? job.note.type : job.kind)).sort()).toEqual([
      'repeats',
      'update',
    ]);
  });

  it("when the cart's payment succeeds later, then the failure resolves automatically and its unsent post is dropped", async () => {
    await detect([raiseOf('c1', T0)], T0);
    const outcome = await detect(
      [{ type: 'resolve', cartId: 'c1', stage: 'payment', at: T0 + 3_000 }],
      T0 + 4_000,
    );
    expect(outcome).toMatchObject({ resolved: 1, resolvedAfterMs: [4_000] });
    expect(await store.findException(1)).toMatchObject({
      state: 'resolved',
      resolution: 'auto',
      resolvedAt: T0 + 4_000,
      resolvedBy: 'cartwatch',
      revision: 1,
    });
    expect((await store.findException(1))?.escalateAt).toBeUndefined();
    expect((await store.auditOf(1)).map((entry) => entry.action)).toEqual(['opened', 'auto_resolved']);
    expect(await sendAll(T0 + MINUTE)).toEqual([]);
    // A new failure of the cart afterwards is a new exception.
    expect(await detect([raiseOf('c1', T0 + MINUTE)], T0 + MINUTE)).toMatchObject({ opened: 1 });
    expect((await store.exceptionsOfCart('c1')).map((e) => [e.id, e.state])).toEqual([
      [1, 'resolved'],
      [2, 'open'],
    ]);
  });

  it('when one batch holds failures and successes of several carts, then each success settles only what was raised before it, in its own cart and stage', async () => {
    const success = (
      cart: string,
      at: number,
      stage: 'payment' | 'checkout' = 'payment',
    ): DetectionChange => ({
      type: 'resolve',
      cartId: cart,
      stage,
      at,
    });
    const outcome = await detect(
      [
        raiseOf('a', T0),
        success('b', T0 + 1),
        success('a', T0 + 2),
        // A success before b's failure leaves it open; so does a success of another stage.
        raiseOf('b', T0 + 3),
        success('b', T0 + 4, 'checkout'),
        raiseOf('c', T0 + 5),
        success('x', T0 + 6),
        success('c', T0 + 7),
        success('c', T0 + 8),
        // Settled in order: a success settles nothing raised after it in the batch.
        success('d', T0 + 9),
        raiseOf('d', T0 + 1),
      ],
      T0 + 10,
    );
    expect(outcome).toMatchObject({ opened: 4, resolved: 2 });
    const states = async (cart: string) => (await store.exceptionsOfCart(cart)).map((e) => e.state);
    expect(await states('a')).toEqual(['resolved']);
    expect(await states('b')).toEqual(['open']);
    expect(await states('c')).toEqual(['resolved']);
    expect(await states('d')).toEqual(['open']);
  });

  it('when the cart had already succeeded later in that stage, then the failure is kept resolved and never posted', async () => {
    const success = anEvent({
      cart_id: 'c1',
      stage: 'payment',
      step: 'capture',
      occurred_at: new Date(T0 + 10_000).toISOString(),
    });
    await store.recordEvents(newEvents(success), { receivedAt: T0 });
    expect(await detect([raiseOf('c1', T0)], T0 + 20_000)).toMatchObject({ opened: 1 });
    expect(await store.findException(1)).toMatchObject({ state: 'resolved', resolution: 'auto' });
    expect(await store.auditOf(1)).toEqual([
      { exceptionId: 1, at: T0 + 20_000, actor: 'cartwatch', action: 'opened' },
      {
        exceptionId: 1,
        at: T0 + 20_000,
        actor: 'cartwatch',
        action: 'auto_resolved',
        note: 'a later success had already arrived',
      },
    ]);
    expect(await sendAll(T0 + MINUTE)).toEqual([]);
  });

  it("when a failure carries no amount, then the cart's known value is what it puts at risk", async () => {
    const paid = anEvent({
      cart_id: 'c9',
      stage: 'payment',
      step: 'capture',
      amount: { value: 12_500, currency: 'EUR' },
    });
    await store.recordEvents(newEvents(paid), { receivedAt: T0 });
    const shipping = facts('c9', {
      stage: 'fulfillment',
      step: 'ship',
      dedupKey: 'failed:c9:fulfillment.ship',
    });
    const { amount: _none, ...unpriced } = shipping;
    await detect([{ type: 'raise', facts: unpriced, routing, at: T0 }], T0);
    expect(await store.findException(1)).toMatchObject({
      amount: { value: 12_500, currency: 'EUR' },
      amountFrom: 'cart',
    });
  });

  it('when a batch was read from a cursor that has since moved, then it changes nothing', async () => {
    const cursor = await store.detectionCursor();
    const stale = { from: `${cursor}-elsewhere`, cursor, now: T0, changes: [raiseOf('c1', T0)] };
    expect(await store.applyDetection(stale)).toEqual({
      opened: 0,
      repeated: 0,
      resolved: 0,
      resolvedAfterMs: [],
    });
    expect(await store.exceptionsOfCart('c1')).toEqual([]);
  });

  it('when acknowledged, released and resolved, then each step is audited and moves its due times', async () => {
    await detect([raiseOf('c1', T0)], T0);
    const base = { exceptionId: 1, actor: 'U0ANNA' };
    const ack = await store.applyAction({ ...base, action: 'acknowledge', revision: 0, at: T0 + MINUTE });
    expect(ack).toMatchObject({
      ok: true,
      exception: { state: 'acknowledged', assignee: 'U0ANNA', acknowledgedAt: T0 + MINUTE, revision: 1 },
    });
    expect(ack.ok && ack.exception.remindAt).toBe(T0 + MINUTE + remindAfterMs);
    expect(ack.ok && ack.exception.escalateAt).toBeUndefined();

    const release = await store.applyAction({
      ...base,
      action: 'unacknowledge',
      revision: 1,
      at: T0 + 2 * MINUTE,
    });
    expect(release).toMatchObject({
      ok: true,
      exception: { state: 'open', escalateAt: T0 + 2 * MINUTE + escalateAfterMs },
    });
    expect(release.ok && release.exception.assignee).toBeUndefined();

    const resolve = await store.applyAction({
      ...base,
      action: 'resolve',
      revision: 2,
      at: T0 + 3 * MINUTE,
      note: 'refunded',
    });
    expect(resolve).toMatchObject({
      ok: true,
      exception: {
        state: 'resolved',
        resolution: 'manual',
        resolvedBy: 'U0ANNA',
        resolvedAt: T0 + 3 * MINUTE,
      },
    });
    expect(await store.auditOf(1)).toEqual([
      { exceptionId: 1, at: T0, actor: 'cartwatch', action: 'opened' },
      { exceptionId: 1, at: T0 + MINUTE, actor: 'U0ANNA', action: 'acknowledged' },
      { exceptionId: 1, at: T0 + 2 * MINUTE, actor: 'U0ANNA', action: 'unacknowledged' },
      { exceptionId: 1, at: T0 + 3 * MINUTE, actor: 'U0ANNA', action: 'resolved', note: 'refunded' },
    ]);
  });

  it('when a click comes from an older drawing or does not apply, then it is refused with the current state', async () => {
    await detect([raiseOf('c1', T0)], T0);
    await store.applyAction({
      exceptionId: 1,
      action: 'acknowledge',
      actor: 'U0ANNA',
      revision: 0,
      at: T0 + 1,
    });
    const old = await store.applyAction({
      exceptionId: 1,
      action: 'resolve',
      actor: 'U0BEN',
      revision: 0,
      at: T0 + 2,
    });
    expect(old).toMatchObject({
      ok: false,
      reason: 'stale',
      exception: { state: 'acknowledged', revision: 1 },
    });
    const wrong = await store.applyAction({
      exceptionId: 1,
      action: 'acknowledge',
      actor: 'U0BEN',
      revision: 1,
      at: T0 + 3,
    });
    expect(wrong).toMatchObject({ ok: false, reason: 'stale' });
    const missing = await store.applyAction({
      exceptionId: 7,
      action: 'resolve',
      actor: 'U0BEN',
      revision: 0,
      at: T0 + 4,
    });
    expect(missing).toEqual({ ok: false, reason: 'not_found' });
    expect((await store.auditOf(1)).map((entry) => entry.action)).toEqual(['opened', 'acknowledged']);
  });

  it('when handed to another team and person, then it moves channel, its clock restarts, and the old message says where', async () => {
    await detect([raiseOf('c1', T0)], T0);
    await sendAll(T0 + MINUTE);
    const outcome = await store.applyReassign({
      exceptionId: 1,
      revision: 0,
      actor: 'U0ANNA',
      at: T0 + 2 * MINUTE,
      note: 'a fulfilment problem',
      team: { name: 'fulfilment', channel: 'C0FULFIL' },
      assignee: 'U0CARL',
    });
    expect(outcome).toMatchObject({
      ok: true,
      exception: {
        team: 'fulfilment',
        channel: 'C0FULFIL',
        reason: 'reassigned from the payments team',
        assignee: 'U0CARL',
        state: 'open',
        escalateAt: T0 + 2 * MINUTE + escalateAfterMs,
      },
    });
    expect(outcome.ok && outcome.exception.slackTs).toBeUndefined();
    expect((await store.auditOf(1)).at(-1)).toEqual({
      exceptionId: 1,
      at: T0 + 2 * MINUTE,
      actor: 'U0ANNA',
      action: 'reassigned',
      note: 'to team fulfilment, person U0CARL: a fulfilment problem',
    });
    const jobs = await sendAll(T0 + 2 * MINUTE);
    expect(jobs.map((job) => [job.kind, job.channel])).toEqual([
      ['moved', 'C0PAYMENTS'],
      ['post', 'C0FULFIL'],
      ['thread', 'C0FULFIL'],
    ]);
    const resolved = await store.applyAction({
      exceptionId: 1,
      action: 'resolve',
      actor: 'U0CARL',
      revision: 2,
      at: T0 + 3 * MINUTE,
    });
    expect(resolved.ok).toBe(true);
    const late = await store.applyReassign({
      exceptionId: 1,
      revision: 3,
      actor: 'U0ANNA',
      at: T0 + 4 * MINUTE,
      note: 'x',
      assignee: 'U0BEN',
    });
    expect(late).toMatchObject({ ok: false, reason: 'stale' });
  });
});

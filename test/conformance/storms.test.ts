import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExceptionFacts } from '../../src/domain/exception.js';
import type { OutboxJob } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

// Storms through the store alone, where the moments between a post's claim and its answer can be held.
const MINUTE = 60_000;
const T0 = 1_800_000_000_000;

describe.each(STORE_KINDS)('%s store: storms', (kind) => {
  let opened: TestStore;
  let store: Store;

  beforeEach(async () => {
    opened = await openTestStore(kind, { now: T0 });
    store = opened.store;
  });
  afterEach(async () => {
    await opened.close();
  });

  const routing = { team: 'payments', channel: 'C0PAYMENTS', reason: 'stage is payment' };
  const facts = (cart: string): ExceptionFacts => ({
    kind: 'failed',
    dedupKey: `failed:${cart}:payment.authorize`,
    cartId: cart,
    stage: 'payment',
    step: 'authorize',
    errorCode: 'processing_error',
  });

  async function raise(cart: string, now: number) {
    // No events behind these raises: the cursor stays where it is, and the batch still applies.
    const cursor = await store.detectionCursor();
    await store.applyDetection({
      from: cursor,
      cursor,
      now,
      changes: [{ type: 'raise', facts: facts(cart), routing, at: now }],
    });
  }

  async function claim(now: number): Promise<OutboxJob[]> {
    return store.claimOutbox({ now, limit: 50, leaseMs: MINUTE });
  }

  /** Sends what is due, as the worker does, until nothing is: each post gets a ts of its own. */
  async function sendAll(now: number): Promise<OutboxJob[]> {
    const sent: OutboxJob[] = [];
    for (let jobs = await claim(now); jobs.length > 0; jobs = await claim(now)) {
      for (const job of jobs) await store.completeOutbox({ id: job.id, at: now, ts: `ts.${job.id}` });
      sent.push(...jobs);
    }
    return sent;
  }

  it('when a storm forms while members are being posted, then their posts are let finish and then pointed to the storm', async () => {
    // a goes out at once; b, c and d wait out a's window, and are being posted when e completes the storm.
    await raise('a', T0);
    await sendAll(T0 + 20_000);
    for (const [i, cart] of ['b', 'c', 'd'].entries()) await raise(cart, T0 + (i + 1) * MINUTE);
    expect(await claim(T0 + 4 * MINUTE)).toEqual([]);
    const inFlight = await claim(T0 + 5 * MINUTE);
    expect(inFlight.map((j) => (j.kind === 'post' ? j.exception.cartId : j.kind))).toEqual(['b', 'c', 'd']);

    await raise('e', T0 + 5 * MINUTE);
    const first = await sendAll(T0 + 5 * MINUTE);
    // The storm's post goes first; a's pointer follows it, and b, c and d's wait for their own posts.
    expect(first.map((j) => (j.kind === 'joined' ? j.exception.cartId : j.kind))).toEqual([
      'group_post',
      'a',
    ]);

    for (const job of inFlight)
      await store.completeOutbox({ id: job.id, at: T0 + 6 * MINUTE, ts: `ts.${job.id}` });
    const last = await sendAll(T0 + 6 * MINUTE);
    expect(last.map((j) => (j.kind === 'joined' ? j.exception.cartId : j.kind))).toEqual(['b', 'c', 'd']);
    expect(last[0]?.kind === 'joined' && last[0].group.slackTs).toBe(`ts.${first[0]?.id}`);
    expect(last[0]?.kind === 'joined' && last[0].group.total).toBe(5);
    expect(await claim(T0 + 10 * MINUTE)).toEqual([]);
  });

  it('when a member that pointed to its storm is handed to a person, then its own message is drawn again, not posted a second time', async () => {
    for (const [i, cart] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      await raise(cart, T0 + i * MINUTE);
      await sendAll(T0 + i * MINUTE + 20_000);
    }
    await sendAll(T0 + 5 * MINUTE);
    const a = await store.findException(1);
    expect(a).toMatchObject({ groupId: 1, slackTs: expect.stringMatching(/^ts\./) });

    const outcome = await store.applyReassign({
      exceptionId: 1,
      revision: a?.revision ?? 0,
      actor: 'U0ANNA',
      at: T0 + 6 * MINUTE,
      note: 'mine: the PSP answered for this one',
      assignee: 'U0BEN',
    });
    expect(outcome.ok).toBe(true);
    const jobs = await sendAll(T0 + 6 * MINUTE);
    const own = jobs.filter((j) => 'exception' in j && j.exception.id === 1);
    expect(own.map((j) => j.kind)).toEqual(['update', 'thread']);
    expect(own[0]).toMatchObject({ exception: { slackTs: a?.slackTs, assignee: 'U0BEN' } });
    expect(jobs.some((j) => j.kind === 'post')).toBe(false);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { OutboxJob } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { fence, raiseFailure } from '../support/sweep-batches.js';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const POLICY: DuePolicy = { ...NO_DUE_POLICY, grouping: { min: 1000, windowMs: 5 * MINUTE, waitMs: 0 } };

const what = (job: OutboxJob) =>
  job.kind === 'thread'
    ? `thread:${job.note.type}`
    : job.kind === 'ephemeral'
      ? `ephemeral:${job.text}`
      : job.kind;

describe.each(STORE_KINDS)('%s store: outbox', (kind) => {
  let t: TestStore;
  let store: Store;
  const claim = (
    now: number,
    extra: { limit?: number; pacedChannels?: string[]; heldKinds?: string[] } = {},
  ) => store.claimOutbox({ now, limit: extra.limit ?? 50, leaseMs: MINUTE, ...extra });
  const complete = (job: OutboxJob | undefined, at: number, ts?: string) =>
    store.completeOutbox({ id: job?.id ?? 0, at, ...(ts !== undefined && { ts }), ...fence(job) });
  const ephemeral = (channel: string, text: string, at = T0) =>
    store.enqueueEphemeral({ channel, user: 'U0ANNA', text, at });

  beforeEach(async () => {
    t = await openTestStore(kind, { policy: POLICY, now: T0 });
    store = t.store;
  });
  afterEach(async () => {
    await t.close();
  });

  it('when an exception is raised and acted on, then its post goes first and its update and reply follow it, in order', async () => {
    await raiseFailure(store, 'cart_1', T0);
    const [root] = await store.exceptionsOfCart('cart_1');
    await store.applyAction({
      exceptionId: root?.id ?? 0,
      action: 'acknowledge',
      actor: 'U0ANNA',
      revision: root?.revision ?? 0,
      at: T0 + 1,
    });
    const first = await claim(T0 + 2);
    expect(first.map(what)).toEqual(['post']);
    expect(first[0]).toMatchObject({
      channel: 'C0OPS',
      attempts: 0,
      inDoubt: false,
      exception: { cartId: 'cart_1' },
    });
    // Nothing behind the post goes while it is being sent.
    expect(await claim(T0 + 3)).toEqual([]);
    await complete(first[0], T0 + 3, '1700.0001');
    expect(await store.findException(root?.id ?? 0)).toMatchObject({ slackTs: '1700.0001' });
    // The post, drawn when sent, already showed the acknowledgement: only the reply follows.
    const next = await claim(T0 + 4);
    expect(next.map(what)).toEqual(['thread:action']);
    expect(next[0]).toMatchObject({ exception: { state: 'acknowledged', slackTs: '1700.0001' } });
    for (const job of next) await complete(job, T0 + 5);
    expect(await claim(T0 + 6)).toEqual([]);
    expect(await store.outboxHealth()).toEqual({ pending: 0, failed: 0 });
  });

  it('when rows of several channels are due, then they come by due time and id, at most the limit', async () => {
    await ephemeral('C0B', 'second', T0 + 1);
    await ephemeral('C0A', 'first', T0);
    await ephemeral('C0A', 'third', T0 + 1);
    await ephemeral('C0C', 'later', T0 + MINUTE);
    expect((await claim(T0 + 10)).map(what)).toEqual([
      'ephemeral:first',
      'ephemeral:second',
      'ephemeral:third',
    ]);
    const [only] = await claim(T0 + MINUTE, { limit: 1 });
    expect(only).toMatchObject({ kind: 'ephemeral', channel: 'C0C', user: 'U0ANNA', text: 'later' });
  });

  it('when a channel is inside its posting pace, then its posts wait but its updates and other channels do not', async () => {
    await raiseFailure(store, 'cart_a', T0, 'C0A');
    await raiseFailure(store, 'cart_b', T0, 'C0B');
    await ephemeral('C0A', 'only you');
    const jobs = await claim(T0 + 1, { pacedChannels: ['C0A'] });
    expect(jobs.map((j) => `${j.channel}:${j.kind}`)).toEqual(['C0B:post', 'C0A:ephemeral']);
  });

  it('when a Slack method rests after a 429, then none of its rows is claimed, whatever the channel, and the others are', async () => {
    await raiseFailure(store, 'cart_a', T0, 'C0A');
    await raiseFailure(store, 'cart_b', T0, 'C0B');
    await ephemeral('C0A', 'only you');
    const jobs = await claim(T0 + 1, { heldKinds: ['ephemeral'] });
    expect(jobs.map((j) => `${j.channel}:${j.kind}`)).toEqual(['C0A:post', 'C0B:post']);
    const rested = await claim(T0 + 1);
    expect(rested.map((j) => `${j.channel}:${j.kind}`)).toEqual(['C0A:ephemeral']);
  });

  it('when a send fails for now, then the row waits until its retry time and counts the attempt', async () => {
    await ephemeral('C0A', 'hello');
    const [job] = await claim(T0);
    await store.retryOutbox({ id: job?.id ?? 0, dueAt: T0 + 30_000, error: 'ratelimited', ...fence(job) });
    expect(await claim(T0 + 29_999)).toEqual([]);
    expect(await store.outboxHealth()).toEqual({ pending: 1, failed: 0, oldestPendingDueAt: T0 + 30_000 });
    const [again] = await claim(T0 + 30_000);
    expect(again).toMatchObject({ id: job?.id, attempts: 1, inDoubt: false });
    await store.retryOutbox({
      id: again?.id ?? 0,
      dueAt: T0 + 40_000,
      error: 'timeout',
      inDoubt: true,
      ...fence(again),
    });
    const [third] = await claim(T0 + 40_000);
    expect(third).toMatchObject({ attempts: 2, inDoubt: true });
  });

  it('when a row is put back for pacing, then it is due again at once without counting an attempt', async () => {
    await ephemeral('C0A', 'hello');
    const [job] = await claim(T0);
    await store.releaseOutbox({ id: job?.id ?? 0, ...fence(job) });
    expect(await claim(T0 + 1)).toMatchObject([{ id: job?.id, attempts: 0, inDoubt: false }]);
  });

  it('when a send can never succeed, then the row is failed with its reason and never claimed again', async () => {
    await ephemeral('C0A', 'hello');
    const [job] = await claim(T0);
    await store.failOutbox({ id: job?.id ?? 0, error: 'channel_not_found', ...fence(job) });
    expect(await claim(T0 + 10 * MINUTE)).toEqual([]);
    expect(await store.outboxHealth()).toEqual({ pending: 0, failed: 1, lastError: 'channel_not_found' });
  });

  it('when a claim runs out unsettled, then the row comes back in doubt after its lease and not before', async () => {
    await raiseFailure(store, 'cart_d', T0);
    const [job] = await claim(T0);
    expect(await claim(T0 + MINUTE - 1)).toEqual([]);
    const [again] = await claim(T0 + MINUTE);
    expect(again).toMatchObject({ id: job?.id, kind: 'post', inDoubt: true, attempts: 0 });
  });

  it('when the sender restarts with rows still claimed, then they are due at once, in doubt', async () => {
    await ephemeral('C0A', 'one');
    await ephemeral('C0B', 'two');
    expect(await claim(T0)).toHaveLength(2);
    expect(await store.releaseAbandonedOutbox()).toBe(2);
    const again = await claim(T0 + 1);
    expect(again.map((j) => [j.channel, j.inDoubt])).toEqual([
      ['C0A', true],
      ['C0B', true],
    ]);
    expect(await store.releaseAbandonedOutbox()).toBe(2);
    for (const job of await claim(T0 + 2)) await complete(job, T0 + 3);
    expect(await store.releaseAbandonedOutbox()).toBe(0);
  });

  it('when a reply for one person is queued, then it is sent through the outbox with its blocks', async () => {
    await store.enqueueEphemeral({
      channel: 'C0A',
      user: 'U0BEN',
      text: 'timeline',
      blocks: [{ type: 'divider' }],
      at: T0,
    });
    expect(await claim(T0)).toMatchObject([
      { kind: 'ephemeral', channel: 'C0A', user: 'U0BEN', text: 'timeline', blocks: [{ type: 'divider' }] },
    ]);
  });
});

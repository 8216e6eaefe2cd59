import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { OutboxJob } from '../../src/store/exception-types.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { fence, raiseFailure } from '../support/sweep-batches.js';

// Several instances sending from one Postgres database: one sender per channel, fenced by its lease.
const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const POLICY: DuePolicy = { ...NO_DUE_POLICY, grouping: { min: 1000, windowMs: 5 * MINUTE, waitMs: 0 } };

describe('postgres store: the outbox sent by several instances', () => {
  let t: TestStore;
  let a: Store;
  let b: Store;
  const claim = (
    store: Store,
    now: number,
    extra: { pacedChannels?: string[]; paceMs?: number; limit?: number } = {},
  ) => store.claimOutbox({ now, limit: extra.limit ?? 50, leaseMs: MINUTE, ...extra });
  const ephemeral = (channel: string, text: string) =>
    a.enqueueEphemeral({ channel, user: 'U0ANNA', text, at: T0 });

  beforeEach(async () => {
    t = await openTestStore('postgres', { policy: POLICY, now: T0 });
    a = t.store;
    b = await t.openAnother();
  });
  afterEach(async () => {
    await t.close();
  });

  it('when two instances claim at once, round after round, then no row is handed to both and no channel is served by both at once', async () => {
    for (const channel of ['C0A', 'C0B', 'C0C', 'C0D'])
      for (let i = 0; i < 5; i++) await ephemeral(channel, `${channel}-${i}`);
    const sent = new Map<number, string>();
    for (let round = 0; round < 40 && sent.size < 20; round++) {
      // Each round starts after the last round's leases ran out, so either may take any channel.
      const now = T0 + round * MINUTE;
      const [mine, theirs] = await Promise.all([claim(a, now, { limit: 3 }), claim(b, now, { limit: 3 })]);
      const channels = (jobs: OutboxJob[]) => new Set(jobs.map((j) => j.channel));
      expect([...channels(mine)].filter((c) => channels(theirs).has(c))).toEqual([]);
      for (const [store, jobs] of [
        [a, mine],
        [b, theirs],
      ] as const)
        for (const job of jobs) {
          expect(sent.has(job.id)).toBe(false);
          sent.set(job.id, job.channel);
          await store.completeOutbox({ id: job.id, at: now, ...fence(job) });
        }
    }
    expect(sent.size).toBe(20);
    expect(await a.outboxHealth()).toEqual({ pending: 0, failed: 0 });
  });

  it('when a sender stops settling, then its channel passes to another after the lease, the post comes back in doubt, and the stale sender is fenced out', async () => {
    await raiseFailure(a, 'cart_1', T0);
    const [stale] = await claim(a, T0);
    expect(stale).toMatchObject({ kind: 'post', inDoubt: false });
    expect(await claim(b, T0 + MINUTE - 1)).toEqual([]);
    const [taken] = await claim(b, T0 + MINUTE);
    expect(taken).toMatchObject({ id: stale?.id, kind: 'post', inDoubt: true });
    expect(taken?.token).toBeGreaterThan(stale?.token ?? Number.MAX_SAFE_INTEGER);

    // The first holder wakes up and reports: its writes no longer count.
    await a.completeOutbox({ id: stale?.id ?? 0, at: T0 + MINUTE, ts: '1700.0001', ...fence(stale) });
    await a.retryOutbox({ id: stale?.id ?? 0, dueAt: T0, error: 'timeout', ...fence(stale) });
    const exceptionId = stale?.kind === 'post' ? stale.exception.id : 0;
    expect((await a.findException(exceptionId))?.slackTs).toBeUndefined();
    expect(await claim(a, T0 + MINUTE + 1)).toEqual([]);
    // The new holder looked it up in Slack and found it: its answer is the one kept.
    await b.completeOutbox({ id: taken?.id ?? 0, at: T0 + MINUTE, ts: '1700.0001', ...fence(taken) });
    expect(await a.findException(exceptionId)).toMatchObject({ slackTs: '1700.0001' });
    expect(await a.outboxHealth()).toEqual({ pending: 0, failed: 0 });
  });

  it('when a post went out under a lease since taken over but nobody claimed it again, then its ts is kept', async () => {
    await raiseFailure(a, 'cart_2', T0);
    const [slow] = await claim(a, T0);
    // Another instance takes the channel, but its pace holds the post back: the row is not claimed again.
    expect(await claim(b, T0 + MINUTE, { pacedChannels: ['C0OPS'] })).toEqual([]);
    await a.completeOutbox({ id: slow?.id ?? 0, at: T0 + MINUTE, ts: '1700.0002', ...fence(slow) });
    const exceptionId = slow?.kind === 'post' ? slow.exception.id : 0;
    expect(await b.findException(exceptionId)).toMatchObject({ slackTs: '1700.0002' });
    expect(await claim(b, T0 + MINUTE + 1)).toEqual([]);
  });

  it("when a channel changes hands, then its new sender keeps Slack's pace after the previous sender's last post", async () => {
    await raiseFailure(a, 'cart_3', T0);
    const [first] = await claim(a, T0);
    await a.completeOutbox({ id: first?.id ?? 0, at: T0, ts: '1700.0003', ...fence(first) });
    // Raised well after the first, so no storm window holds its post back.
    await raiseFailure(a, 'cart_4', T0 + 10 * MINUTE);
    // a's lease ran out long ago by the app's clock; Slack's pace is wall-clock time, on Postgres's clock.
    expect(await claim(b, T0 + 10 * MINUTE, { paceMs: 60_000 })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [next] = await claim(b, T0 + 10 * MINUTE, { paceMs: 250 });
    expect(next).toMatchObject({ kind: 'post', exception: { cartId: 'cart_4' } });
    // Its own posts it paces itself (the worker does, in memory), as a single sender does.
    await b.completeOutbox({ id: next?.id ?? 0, at: T0 + 10 * MINUTE, ts: '1700.0004', ...fence(next) });
    await raiseFailure(a, 'cart_5', T0 + 20 * MINUTE);
    expect(await claim(b, T0 + 20 * MINUTE, { paceMs: 60_000 })).toMatchObject([
      { exception: { cartId: 'cart_5' } },
    ]);
  });

  it("when an instance restarts under its name, then it keeps the pace of its former self's last post", async () => {
    await raiseFailure(a, 'cart_6', T0);
    const [post] = await claim(a, T0);
    await a.completeOutbox({ id: post?.id ?? 0, at: T0, ts: '1700.0006', ...fence(post) });
    await raiseFailure(a, 'cart_7', T0 + 10 * MINUTE);
    const restarted = await PostgresStore.open(t.target, POLICY, { instance: 'test-1' });
    try {
      await restarted.releaseAbandonedOutbox();
      expect(await claim(restarted, T0 + 10 * MINUTE, { paceMs: 60_000 })).toEqual([]);
    } finally {
      await restarted.close();
    }
  });

  it('when an instance restarts under its name, then only its own abandoned rows come back, never another live instance’s', async () => {
    await ephemeral('C0A', 'mine');
    const [mine] = await claim(a, T0);
    await ephemeral('C0B', 'theirs');
    const [theirs] = await claim(b, T0);
    expect([mine?.channel, theirs?.channel]).toEqual(['C0A', 'C0B']);

    const restarted = await PostgresStore.open(t.target, POLICY, { instance: 'test-1' });
    try {
      expect(await restarted.releaseAbandonedOutbox()).toBe(1);
      expect(await claim(restarted, T0 + 1)).toMatchObject([{ id: mine?.id, channel: 'C0A', inDoubt: true }]);
      // The live instance's claim stands, and so do its writes.
      await b.completeOutbox({ id: theirs?.id ?? 0, at: T0 + 2, ...fence(theirs) });
      expect(await b.outboxHealth()).toMatchObject({ pending: 1 });
    } finally {
      await restarted.close();
    }
  });
});

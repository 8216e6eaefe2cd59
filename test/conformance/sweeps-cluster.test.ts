import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { OutboxJob } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';
import { anEvent, newEvents } from '../support/events.js';
import { openTestStore, type TestStore } from '../support/stores.js';
import { fence, raiseFailure, sweepBatchOf } from '../support/sweep-batches.js';

// Several instances sweeping one Postgres database at the same moment.
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
  grouping: { min: 1000, windowMs: 5 * MINUTE, waitMs: 0 },
};

describe('postgres store: sweeps run by several instances at once', () => {
  let t: TestStore;
  let stores: Store[];

  beforeEach(async () => {
    t = await openTestStore('postgres', { policy: POLICY, now: T0 });
    stores = [t.store, await t.openAnother(), await t.openAnother()];
  });
  afterEach(async () => {
    await t.close();
  });

  it('when three instances sweep the same due stalls, expectations and escalations at once, then each exception opens once and each escalation step is taken once', async () => {
    const [first] = stores as [Store];
    const now = T0 + 45 * MINUTE;
    const events = [];
    for (let i = 0; i < 8; i++)
      events.push(
        anEvent({ cart_id: `stuck_${i}`, step: 'capture', status: 'started', occurred_at: iso(T0 + i) }),
      );
    for (let i = 0; i < 4; i++)
      events.push(
        anEvent({ cart_id: `uncaptured_${i}`, step: 'authorize', occurred_at: iso(now - 12 * MINUTE + i) }),
      );
    await first.recordEvents(newEvents(...events), { receivedAt: T0 });
    for (let i = 0; i < 4; i++) await raiseFailure(first, `declined_${i}`, T0 + i);
    const sent = await drain(first, T0 + MINUTE);
    expect(sent.filter((j) => j.kind === 'post')).toHaveLength(4);

    // Each instance reads what is due and applies it, all at the same moment.
    const batches = await Promise.all(
      stores.map(async (s) => sweepBatchOf(await s.dueWork(now, 100), now, POLICY)),
    );
    expect(batches.map((b) => [b.raises.length, b.escalations.length])).toEqual([
      [12, 4],
      [12, 4],
      [12, 4],
    ]);
    const outcomes = await Promise.all(batches.map((batch, i) => stores[i]?.applySweep(batch)));
    expect(outcomes.reduce((n, o) => n + (o?.opened ?? 0), 0)).toBe(12);
    expect(outcomes.reduce((n, o) => n + (o?.escalated ?? 0), 0)).toBe(4);

    for (const cart of [...Array(8).keys()].map((i) => `stuck_${i}`).concat(['uncaptured_0', 'uncaptured_3']))
      expect((await first.exceptionsOfCart(cart)).map((e) => [e.kind, e.count])).toEqual([['stalled', 1]]);
    const after = await drain(first, now);
    expect(after.filter((j) => j.kind === 'post')).toHaveLength(12);
    const notes = after.filter((j) => j.kind === 'thread' && j.note.type === 'escalation');
    expect(notes.map((j) => (j.kind === 'thread' ? j.exception.cartId : '')).sort()).toEqual([
      'declined_0',
      'declined_1',
      'declined_2',
      'declined_3',
    ]);
    // Nothing is left due: a later sweep by any of them finds nothing to act on.
    const later = await stores[1]?.dueWork(now + MINUTE, 100);
    expect([later?.stalls, later?.expectations]).toEqual([[], []]);
  });
});

/** Sends everything due, as one worker would, completing each with a ts of its own. */
async function drain(store: Store, now: number): Promise<OutboxJob[]> {
  const sent: OutboxJob[] = [];
  for (;;) {
    const jobs = await store.claimOutbox({ now, limit: 50, leaseMs: MINUTE });
    if (jobs.length === 0) return sent;
    for (const job of jobs)
      await store.completeOutbox({ id: job.id, at: now, ts: `ts.${job.id}`, ...fence(job) });
    sent.push(...jobs);
  }
}

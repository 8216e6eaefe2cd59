import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { ExceptionFacts } from '../../src/domain/exception.js';
import type { SilenceNote } from '../../src/store/silence-types.js';
import type { Store } from '../../src/store/store.js';

/** What the silence and snooze conformance tests share: a clock, a silence, a failure raised as detection does. */
export const T0 = 1_800_000_000_000;
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

// Storms need many: these tests place held-back exceptions one by one.
export const POLICY: DuePolicy = { ...NO_DUE_POLICY, grouping: { min: 50, windowMs: 5 * MINUTE, waitMs: 0 } };

export const silence = (overrides: Partial<Parameters<Store['createSilence']>[0]> = {}) => ({
  team: 'payments',
  match: { stage: ['payment' as const], error_code: ['processing_error'] },
  reason: 'PSP maintenance',
  createdBy: 'U0ALICE',
  at: T0,
  endsAt: T0 + HOUR,
  ...overrides,
});

export function failure(cart: string, overrides: Partial<ExceptionFacts> = {}): ExceptionFacts {
  return {
    kind: 'failed',
    dedupKey: `failed:${cart}:payment`,
    cartId: cart,
    stage: 'payment',
    step: 'authorize',
    errorCode: 'processing_error',
    source: 'stripe',
    ...overrides,
  };
}

const PAYMENTS = { team: 'payments', channel: 'C_PAY', reason: 'stage is payment' };

/** Raises exceptions as detection does, at `now`, moving the cursor by one. */
export async function raise(store: Store, now: number, ...facts: ExceptionFacts[]) {
  const from = await store.detectionCursor();
  const page = await store.eventsAfter(from, 1);
  return store.applyDetection({
    from,
    cursor: page.next,
    now,
    changes: facts.map((f) => ({ type: 'raise' as const, facts: f, routing: PAYMENTS, at: now })),
  });
}

/** The silence notes queued for Slack by `now`, taken off the outbox as a sender would. */
export async function silenceNotes(
  store: Store,
  now: number,
): Promise<{ channel: string; note: SilenceNote }[]> {
  const jobs = await store.claimOutbox({ now, limit: 100, leaseMs: MINUTE });
  for (const job of jobs)
    await store.completeOutbox({ id: job.id, at: now, ...(job.token !== undefined && { token: job.token }) });
  return jobs.flatMap((job) => (job.kind === 'silence' ? [{ channel: job.channel, note: job.note }] : []));
}

export const sweep = (store: Store, now: number, extra: Partial<Parameters<Store['sweepNoise']>[0]> = {}) =>
  store.sweepNoise({ now, maintenance: [], channels: { payments: 'C_PAY' }, limit: 100, ...extra });

import { type DuePolicy, expectRuleKey } from '../../src/domain/due-policy.js';
import type { ExceptionFacts, Routing } from '../../src/domain/exception.js';
import { missingStepFacts, stallFacts } from '../../src/domain/sweep-rules.js';
import type { DueWork, OutboxJob, SweepBatch } from '../../src/store/exception-types.js';
import type { Store } from '../../src/store/store.js';

export const OPS: Routing = { team: 'ops', channel: 'C0OPS', reason: 'default route' };

/** The sweep batch the sweeper would make of due work, every exception routed to one team. */
export function sweepBatchOf(due: DueWork, now: number, policy: DuePolicy, routing = OPS): SweepBatch {
  const batch: SweepBatch = { now, raises: [], resolves: [], escalations: [], reminders: [], drops: [] };
  for (const stall of due.stalls)
    batch.raises.push({
      facts: stallFacts(stall),
      routing,
      at: stall.dueAt,
      claim: { type: 'stall', cartId: stall.cartId, dueAt: stall.dueAt },
    });
  for (const due_ of due.expectations) {
    const claim = { type: 'expect' as const, cartId: due_.cartId, rule: due_.rule, dueAt: due_.dueAt };
    const rule = policy.expect.find((r) => expectRuleKey(r) === due_.rule);
    if (rule === undefined) batch.drops.push(claim);
    else batch.raises.push({ facts: missingStepFacts(due_, rule), routing, at: due_.dueAt, claim });
  }
  for (const e of due.escalations)
    if (e.escalateAt !== undefined) batch.escalations.push({ id: e.id, escalateAt: e.escalateAt });
  for (const e of due.reminders)
    if (e.remindAt !== undefined) batch.reminders.push({ id: e.id, remindAt: e.remindAt });
  return batch;
}

/** A payment failure of a cart, as detection raises it. */
export function paymentFailure(cart: string): ExceptionFacts {
  return {
    kind: 'failed',
    dedupKey: `failed:${cart}:payment.authorize`,
    cartId: cart,
    stage: 'payment',
    step: 'authorize',
    errorCode: 'card_declined',
  };
}

/** The job's token, handed back with every write about it (as the outbox worker does). */
export const fence = (job: OutboxJob | undefined) => (job?.token === undefined ? {} : { token: job.token });

/** Raises a payment failure of a cart through detection, with no events behind it. */
export async function raiseFailure(store: Store, cart: string, now: number, channel = OPS.channel) {
  const cursor = await store.detectionCursor();
  await store.applyDetection({
    from: cursor,
    cursor,
    now,
    changes: [{ type: 'raise', facts: paymentFailure(cart), routing: { ...OPS, channel }, at: now }],
  });
}

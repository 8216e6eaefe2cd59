import type { Stage, StoredEvent } from './event.js';
import type { ExceptionFacts } from './exception.js';

/** What one event means for exceptions; the store applies these in the detector's transaction. */
export type Signal =
  | { type: 'raise'; facts: ExceptionFacts; owner?: string; at: number }
  | { type: 'resolve'; cartId: string; stage: Stage; at: number }
  | { type: 'progress'; cartId: string; at: number };

/**
 * A failed step raises a `failed` exception; a later success of the same cart and stage resolves
 * what is open there; any later event ends the cart's SLA stalls. Events name their subject by
 * cart, else by an unlinked key or a SKU.
 */
export function signalsFor(event: StoredEvent): Signal[] {
  const subject = subjectOf(event);
  if (event.status === 'failed') {
    const facts: ExceptionFacts = {
      kind: 'failed',
      dedupKey: `failed:${subject}:${event.stage}.${event.step}:${event.error?.code ?? ''}`,
      stage: event.stage,
      step: event.step,
      source: event.source,
    };
    if (event.cartId !== undefined) facts.cartId = event.cartId;
    else if (subject !== '') facts.cartId = subject;
    if (event.error?.code !== undefined) facts.errorCode = event.error.code;
    if (event.error?.message !== undefined) facts.errorMessage = event.error.message;
    if (event.amount !== undefined) facts.amount = event.amount;
    if (event.runId !== undefined) facts.runId = event.runId;
    return [
      {
        type: 'raise',
        facts,
        at: event.occurredAt,
        ...(event.owner !== undefined && { owner: event.owner }),
      },
    ];
  }
  if (subject === '') return [];
  const cartId = event.cartId ?? subject;
  // Any event is progress (it ends an SLA stall); a success also settles its stage.
  const progress: Signal = { type: 'progress', cartId, at: event.occurredAt };
  if (event.status !== 'succeeded') return [progress];
  return [{ type: 'resolve', cartId, stage: event.stage, at: event.occurredAt }, progress];
}

function subjectOf(event: StoredEvent): string {
  return event.cartId ?? event.orderId ?? event.paymentId ?? event.shipmentId ?? event.sku ?? '';
}

import { NO_DUE_POLICY } from '../src/domain/due-policy.js';
import { openStore } from '../src/store/open-store.js';
import { eventBody } from './event-bodies.js';
import { type Figure, percentile } from './status.js';

/** One event in this many of the ingest load is a failure, each on a cart of its own. */
export const FAILURE_EVERY = 200;
/** How long after the load detection may still take, before a failure counts as never raised. */
const SETTLE_MS = 5_000;

/**
 * The failures mixed into the ingest load, so that `detect.lag.ms` is measured while ingesting at
 * the measured rates: each raises an exception. Its lag is measured two ways, which bracket the
 * time from its commit to the exception:
 * - from receipt (`detect.lag`): the exception's raised_at less the event's received_at, stamped
 *   before the commit, so it errs long by the wait for the commit (most of a second for a 1,000-event
 *   batch on Postgres);
 * - from the commit (`detect.lag.committed`): raised_at less when the request's 202 reached the
 *   load generator, which is sent only after the commit, so it errs short by the answer's way back.
 *   An exception raised before its 202 arrived counts 0. SPEC's budget is held against this one.
 */
export class LagProbe {
  private readonly carts: string[] = [];
  private readonly acceptedAt = new Map<string, number>();

  constructor(private readonly tag: string) {}

  /** A failing event body on a new cart; `idPrefix` keeps ids unique across phases. */
  failure(id: string): string {
    const cart = `lag_${this.tag}_${this.carts.length}`;
    this.carts.push(cart);
    return failureBody(id, cart);
  }

  /** For batches built from a template: the carts a batch's failures got, by their numbers. */
  noteCarts(carts: readonly string[]): void {
    this.carts.push(...carts);
  }

  /** A body was answered 202 just now: the failures it carried are committed. */
  accepted(body: string): void {
    if (!body.includes('"lag_')) return;
    const now = Date.now();
    for (const [, cart] of body.matchAll(/"cart_id":"(lag_[^"]+)"/g))
      if (cart) this.acceptedAt.set(cart, now);
  }

  get count(): number {
    return this.carts.length;
  }

  /** Gives detection its time to catch up after the load, while Cartwatch still runs. */
  settle(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  }

  /**
   * Reads each probe cart's event and exception through the store (after `settle`): the p99 and
   * worst lag, and how many failures were never raised in time.
   */
  async measure(target: string, prefix: string): Promise<Figure[]> {
    const store = await openStore(target, NO_DUE_POLICY);
    const lags: number[] = [];
    const fromCommit: number[] = [];
    let missed = 0;
    try {
      for (const cart of this.carts) {
        const [history, exceptions] = await Promise.all([
          store.findCartHistory(cart),
          store.exceptionsOfCart(cart),
        ]);
        const received = history?.events.find((e) => e.status === 'failed')?.receivedAt;
        const raised = exceptions[0]?.raisedAt;
        if (received === undefined || raised === undefined) {
          missed += 1;
          continue;
        }
        lags.push(raised - received);
        const accepted = this.acceptedAt.get(cart);
        if (accepted !== undefined) fromCommit.push(Math.max(0, raised - accepted));
      }
    } finally {
      await store.close();
    }
    return [
      ...spread(`${prefix}.committed`, fromCommit),
      // Raised, but with no 202 seen for it (a request that timed out, say): left out of the above.
      { name: `${prefix}.committed.unanswered`, value: lags.length - fromCommit.length, unit: 'failures' },
      ...spread(prefix, lags),
      { name: `${prefix}.missed`, value: missed, unit: `of ${this.carts.length} failures` },
    ];
  }
}

function spread(prefix: string, lags: number[]): Figure[] {
  return [
    { name: `${prefix}.p50.ms`, value: percentile(lags, 50), unit: 'ms' },
    { name: `${prefix}.p99.ms`, value: percentile(lags, 99), unit: 'ms' },
    { name: `${prefix}.max.ms`, value: lags.length === 0 ? 0 : Math.max(...lags), unit: 'ms' },
  ];
}

/** A capture the processor failed: an exception of its own, not a customer's decline. */
export function failureBody(id: string, cart: string): string {
  return eventBody(id, cart, {
    step: 'capture',
    status: 'failed',
    error: { code: 'processing_error', message: 'the processor did not answer' },
  });
}

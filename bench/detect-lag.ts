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
 * the measured rates: each raises an exception, and its lag is when the exception was raised less
 * when its event was received (stamped just before the commit, so the figure errs long).
 */
export class LagProbe {
  private readonly carts: string[] = [];

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
    let missed = 0;
    try {
      for (const cart of this.carts) {
        const [history, exceptions] = await Promise.all([
          store.findCartHistory(cart),
          store.exceptionsOfCart(cart),
        ]);
        const received = history?.events.find((e) => e.status === 'failed')?.receivedAt;
        const raised = exceptions[0]?.raisedAt;
        if (received === undefined || raised === undefined) missed += 1;
        else lags.push(raised - received);
      }
    } finally {
      await store.close();
    }
    return [
      { name: `${prefix}.p50.ms`, value: percentile(lags, 50), unit: 'ms' },
      { name: `${prefix}.p99.ms`, value: percentile(lags, 99), unit: 'ms' },
      { name: `${prefix}.max.ms`, value: lags.length === 0 ? 0 : Math.max(...lags), unit: 'ms' },
      { name: `${prefix}.missed`, value: missed, unit: `of ${this.carts.length} failures` },
    ];
  }
}

/** A capture the processor failed: an exception of its own, not a customer's decline. */
export function failureBody(id: string, cart: string): string {
  return eventBody(id, cart, {
    step: 'capture',
    status: 'failed',
    error: { code: 'processing_error', message: 'the processor did not answer' },
  });
}

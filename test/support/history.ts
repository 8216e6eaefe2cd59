import { anEvent } from './events.js';

const MINUTE = 60_000;

/** One day of carts through checkout, payment and order, some failing to authorize. */
export interface DayOfCarts {
  /** Local date (UTC) the carts arrive on, at 10:00. */
  date: string;
  carts: number;
  /** How many of them fail payment.authorize with processing_error (and stop there). */
  failures: number;
  /** Minutes from payment.authorize to order.create for the rest (their time through payment). */
  paymentMinutes?: number;
}

/**
 * Days of history as wire events, dated on their days (the ingest clock may be later: an import of
 * the past fills the past). Each succeeded cart spends 2 minutes in checkout, then `paymentMinutes`
 * in payment (authorize, capture), then reaches order.create.
 */
export function historyOf(days: readonly DayOfCarts[], prefix = 'h'): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const day of days) {
    const start = Date.parse(`${day.date}T10:00:00Z`);
    for (let c = 0; c < day.carts; c++) {
      const cart = `${prefix}_${day.date}_${c}`;
      const at = (minutes: number) => new Date(start + c * 1000 + minutes * MINUTE).toISOString();
      const amount = { value: 1000, currency: 'USD' };
      events.push(anEvent({ cart_id: cart, stage: 'checkout', step: 'submit', occurred_at: at(0), amount }));
      if (c < day.failures) {
        events.push(
          anEvent({
            cart_id: cart,
            step: 'authorize',
            status: 'failed',
            error: { code: 'processing_error', message: 'An error occurred while processing.' },
            occurred_at: at(2),
          }),
        );
        continue;
      }
      const minutes = day.paymentMinutes ?? 3;
      events.push(anEvent({ cart_id: cart, step: 'authorize', occurred_at: at(2) }));
      events.push(anEvent({ cart_id: cart, step: 'capture', occurred_at: at(3) }));
      events.push(anEvent({ cart_id: cart, stage: 'order', step: 'create', occurred_at: at(2 + minutes) }));
    }
  }
  return events;
}

/** "2026-11-19" … n dates from `first`. */
export function datesFrom(first: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.parse(`${first}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
  );
}

/** Posts events in batches the ingest limit takes. */
export async function postAll(
  app: { postEvents(body: unknown): Promise<{ status: number; body: unknown }> },
  events: readonly Record<string, unknown>[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const reply = await app.postEvents(events.slice(i, i + 1000));
    if (reply.status !== 202) throw new Error(`history refused: ${JSON.stringify(reply.body)}`);
  }
}

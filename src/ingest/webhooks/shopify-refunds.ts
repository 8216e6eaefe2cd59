import type { Status } from '../../domain/event.js';
import { firstText, minorUnits, pick } from './payload.js';

export interface RefundOutcome {
  status: Status;
  amount?: { value: number; currency: string };
  error?: { code: string; message?: string };
}

const FAILED = new Set(['failure', 'error']);

/**
 * What a Shopify refund's money did, from its transactions of kind "refund": the gateway may refuse
 * or still be working on it, and the amount is theirs (the refund itself carries none). A refund
 * with no such transaction (a restock, a zero refund) simply happened.
 */
export function refundOutcome(payload: unknown): RefundOutcome {
  const listed = pick(payload, 'transactions');
  const refunds = (Array.isArray(listed) ? listed : []).filter((t) => pick(t, 'kind') === 'refund');
  // A refund that failed puts at risk what failed to go back, not what did.
  const failed = refunds.filter((t) => FAILED.has(String(pick(t, 'status'))));
  const [first] = failed;
  if (first !== undefined) {
    const amount = sumOf(failed);
    const message = firstText(first, ['message']);
    return {
      status: 'failed',
      ...(amount && { amount }),
      error: { code: firstText(first, ['error_code']) ?? 'refund_failed', ...(message && { message }) },
    };
  }
  const amount = sumOf(refunds);
  const pending = refunds.some((t) => pick(t, 'status') === 'pending');
  return { status: pending ? 'started' : 'succeeded', ...(amount && { amount }) };
}

/** The transactions' amounts added up, when they share one currency and each reads as money. */
function sumOf(transactions: readonly unknown[]): RefundOutcome['amount'] {
  const currencies = new Set(transactions.map((t) => firstText(t, ['currency'])?.toUpperCase()));
  const [currency] = currencies;
  if (currencies.size !== 1 || currency === undefined) return undefined;
  let value = 0;
  for (const t of transactions) {
    const minor = minorUnits(pick(t, 'amount'), currency);
    if (minor === undefined) return undefined;
    value += minor;
  }
  return { value, currency };
}

import type { Money } from './event.js';

/** ISO 4217 currencies whose minor unit is not the cent (the rest have two decimals). */
const ZERO_DECIMALS = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMALS = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** How many decimals a currency's minor unit has: JPY 0, USD 2, KWD 3. */
export function minorDigits(currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMALS.has(code)) return 0;
  if (THREE_DECIMALS.has(code)) return 3;
  return 2;
}

/**
 * What a set of exceptions puts at risk, counting each cart's value once: a cart with a failure and
 * a stall is one cart's worth of money, not two. A cart is counted at its largest amount in each
 * currency; exceptions that name no cart (a backlog, a silent source) add their own amounts.
 */
export function valueAtRisk(
  items: Iterable<{ cartId?: string | undefined; amount?: Money | undefined }>,
): Money[] {
  const perCart = new Map<string, number>();
  const sums = new Map<string, number>();
  for (const { cartId, amount } of items) {
    if (amount === undefined) continue;
    if (cartId === undefined) {
      sums.set(amount.currency, (sums.get(amount.currency) ?? 0) + amount.value);
      continue;
    }
    const key = `${amount.currency}\u0000${cartId}`;
    perCart.set(key, Math.max(perCart.get(key) ?? 0, amount.value));
  }
  for (const [key, value] of perCart) {
    const currency = key.slice(0, key.indexOf('\u0000'));
    sums.set(currency, (sums.get(currency) ?? 0) + value);
  }
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([currency, value]) => ({ value, currency }));
}

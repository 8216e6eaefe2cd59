import { minorDigits } from '../../domain/money.js';

/**
 * Where Stripe's smallest unit is not ISO 4217's: Stripe counts ISK in hundredths (an amount of 100
 * is 1 króna, kept so for backwards compatibility) and MGA in whole ariary (it is one of Stripe's
 * zero-decimal currencies), while Cartwatch's minor units follow ISO 4217 (domain/money.ts), as
 * Shopify's decimal prices do. Every other currency is the same in both.
 */
const STRIPE_DIGITS: Readonly<Record<string, number>> = { ISK: 2, MGA: 0 };

/**
 * A Stripe amount (an integer in Stripe's smallest unit of `currency`, upper-case) in Cartwatch's
 * minor units. Anything but a whole number is passed on as it is, for validation to refuse.
 */
export function fromStripeAmount(amount: number, currency: string): number {
  if (!Number.isSafeInteger(amount) || !Object.hasOwn(STRIPE_DIGITS, currency)) return amount;
  const shift = minorDigits(currency) - (STRIPE_DIGITS[currency] as number);
  return shift >= 0 ? amount * 10 ** shift : Math.round(amount / 10 ** -shift);
}

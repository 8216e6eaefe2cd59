import type { Mapped } from './map-shopify.js';
import { aliasesOf, firstText, pick } from './payload.js';
import { fromStripeAmount } from './stripe-amounts.js';
import { STRIPE_TYPES } from './stripe-types.js';

/** A Stripe event as a Cartwatch event (wire format), by the type table. */
export function mapStripe(payload: unknown): Mapped & { topic?: string } {
  const type = typeof pick(payload, 'type') === 'string' ? String(pick(payload, 'type')) : undefined;
  const id = firstText(payload, ['id']);
  if (type === undefined || id === undefined)
    return { type: 'invalid', reason: 'not a Stripe event: no id or type' };
  // Own keys only: a type such as "constructor" must not find Object.prototype.
  const rule = Object.hasOwn(STRIPE_TYPES, type) ? STRIPE_TYPES[type] : undefined;
  if (rule === undefined) return { type: 'ignored' };
  const object = pick(payload, 'data.object');
  if (typeof object !== 'object' || object === null)
    return { type: 'invalid', reason: `${type} has no data.object` };
  const created = pick(payload, 'created');
  const event: Record<string, unknown> = {
    id: `stripe:${id}`,
    stage: rule.stage,
    step: rule.step,
    status: rule.status,
    occurred_at: new Date(isPlausibleUnixTime(created) ? created * 1000 : Date.now()).toISOString(),
    source: 'stripe',
  };
  const cart = firstText(object, ['metadata.cart_id', 'client_reference_id']);
  if (cart !== undefined) event.cart_id = cart;
  const payment = firstText(object, rule.payment);
  if (payment !== undefined) event.payment_id = payment;
  const amount = rule.amount ? pick(object, rule.amount) : undefined;
  const currency = firstText(object, ['currency'])?.toUpperCase();
  if (typeof amount === 'number' && currency !== undefined)
    event.amount = { value: fromStripeAmount(amount, currency), currency };
  if (rule.error) {
    const code = firstText(object, rule.error.code);
    const detail = rule.error.detail ? firstText(object, [rule.error.detail]) : undefined;
    const message = rule.error.message ? firstText(object, [rule.error.message]) : undefined;
    const text = [detail, message].filter(Boolean).join(': ');
    if (code !== undefined || text !== '')
      event.error = { ...(code && { code }), ...(text && { message: text }) };
  }
  // Real and well-formed, but about no cart Cartwatch can know: a Charges-API payment, a
  // subscription's Checkout Session, a session that expired before its payment intent existed.
  // Refusing would have Stripe retry it for days (and disable the endpoint), so it is let go.
  if (cart === undefined && payment === undefined) {
    return {
      type: 'ignored',
      reason: `${type} names no cart (metadata.cart_id, client_reference_id) or payment intent`,
      topic: type,
    };
  }
  // Aliases of the payment intent when there is one, so a charge or session finds whatever cart it
  // joins; else of the cart (one of the two is there, as checked above).
  const target =
    payment !== undefined
      ? ({ kind: 'payment', value: payment } as const)
      : ({ kind: 'cart', value: cart as string } as const);
  const aliases = rule.aliases ? aliasesOf(object, rule.aliases, target) : [];
  return { type: 'event', event, aliases, topic: type };
}

/** Seconds since 1970 that make a real date (a hostile or broken `created` falls back to now). */
function isPlausibleUnixTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value < 8_640_000_000;
}

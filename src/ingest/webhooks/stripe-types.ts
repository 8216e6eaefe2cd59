import type { Stage, Status } from '../../domain/event.js';

/**
 * Stripe event types as data: where each lands and which fields of `data.object` say what.
 * Amounts are already in minor units; currencies arrive lower-case.
 */
export interface StripeType {
  stage: Stage;
  step: string;
  status: Status;
  /** Paths, first present wins: the payment intent this concerns (the payment_id key). */
  payment: readonly string[];
  /**
   * Paths of the ids a person may hold instead (a charge `ch_`, a Checkout Session `cs_`): recorded
   * as aliases of the payment intent, or of the cart when there is none.
   */
  aliases?: readonly string[];
  amount?: string;
  error?: { code: readonly string[]; detail?: string; message?: string };
}

const INTENT = ['id'];
const OF_INTENT = ['payment_intent'];
// `charges.data.0.id`: API versions before 2022-11-15 list charges instead of `latest_charge`.
const CHARGES_OF_INTENT = ['latest_charge', 'last_payment_error.charge', 'charges.data.0.id'];
const ITSELF = ['id'];

export const STRIPE_TYPES: Readonly<Record<string, StripeType>> = {
  'payment_intent.succeeded': {
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    payment: INTENT,
    aliases: CHARGES_OF_INTENT,
    amount: 'amount',
  },
  'payment_intent.payment_failed': {
    stage: 'payment',
    step: 'authorize',
    status: 'failed',
    payment: INTENT,
    aliases: CHARGES_OF_INTENT,
    amount: 'amount',
    error: {
      code: ['last_payment_error.code'],
      detail: 'last_payment_error.decline_code',
      message: 'last_payment_error.message',
    },
  },
  'payment_intent.canceled': {
    stage: 'payment',
    step: 'cancel',
    status: 'succeeded',
    payment: INTENT,
    aliases: CHARGES_OF_INTENT,
    amount: 'amount',
  },
  'charge.succeeded': {
    stage: 'payment',
    step: 'charge',
    status: 'succeeded',
    payment: OF_INTENT,
    aliases: ITSELF,
    amount: 'amount',
  },
  'charge.failed': {
    stage: 'payment',
    step: 'charge',
    status: 'failed',
    payment: OF_INTENT,
    aliases: ITSELF,
    amount: 'amount',
    error: { code: ['failure_code'], detail: 'outcome.reason', message: 'failure_message' },
  },
  'charge.refunded': {
    stage: 'post_purchase',
    step: 'refund',
    status: 'succeeded',
    payment: OF_INTENT,
    aliases: ITSELF,
    amount: 'amount_refunded',
  },
  'charge.dispute.created': {
    stage: 'post_purchase',
    step: 'dispute',
    status: 'failed',
    payment: OF_INTENT,
    aliases: ['charge'],
    amount: 'amount',
    error: { code: ['reason'], message: 'status' },
  },
  'checkout.session.completed': {
    stage: 'checkout',
    step: 'complete',
    status: 'succeeded',
    payment: OF_INTENT,
    aliases: ITSELF,
    amount: 'amount_total',
  },
  'checkout.session.expired': {
    stage: 'checkout',
    step: 'expire',
    status: 'failed',
    payment: OF_INTENT,
    aliases: ITSELF,
    amount: 'amount_total',
    error: { code: ['status'] },
  },
};

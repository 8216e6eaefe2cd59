import type { Stage, Status } from '../../domain/event.js';

/**
 * Shopify topics as data: where each lands in the cart workflow and which of Shopify's fields say
 * what. Adding a topic is adding a row. Field paths are Shopify's own (REST webhook payloads).
 */
export interface ShopifyTopic {
  stage: Stage;
  step: string;
  /**
   * A fixed status, or the payload field whose value decides it: with `whenPresent`, that status
   * once the field is set (else started); without, Shopify's status words (see statusFrom).
   */
  status: Status | { field: string; whenPresent?: Status };
  /** Cart identity, first present wins. */
  cart?: readonly string[];
  /** The order this concerns: its id becomes the order_id correlation key. */
  order?: string;
  shipment?: string;
  /** The name people know it by (`#1001`, `#1001.1`), recorded as an alias of the order or shipment key. */
  name?: { field: string; of: 'order' | 'shipment' };
  sku?: string;
  amount?: { value: string; currency: string };
  error?: { code: string };
  /** A second field that, holding `value`, makes it a failure with `code` (a carrier's failed delivery). */
  failedWhen?: { field: string; value: string; code: string };
  /** A refund: its status, amount and error come from its transactions (shopify-refunds.ts). */
  refund?: true;
}

const CHECKOUT_CART = ['cart_token', 'token'];
const ORDER_CART = ['cart_token', 'checkout_token'];
const ORDER_TOTAL = { value: 'total_price', currency: 'currency' };
const ORDER_NAME = { field: 'name', of: 'order' } as const;
const FULFILLMENT_NAME = { field: 'name', of: 'shipment' } as const;
// A fulfilment Shopify calls a success may still fail on the road: its carrier's word is shipment_status.
const CARRIER_FAILED = { field: 'shipment_status', value: 'failure', code: 'delivery_failure' };

export const SHOPIFY_TOPICS: Readonly<Record<string, ShopifyTopic>> = {
  'checkouts/create': {
    stage: 'checkout',
    step: 'create',
    status: 'started',
    cart: CHECKOUT_CART,
    amount: ORDER_TOTAL,
  },
  // The update that completes a checkout must not put the cart back to "checkout started".
  'checkouts/update': {
    stage: 'checkout',
    step: 'update',
    status: { field: 'completed_at', whenPresent: 'succeeded' },
    cart: CHECKOUT_CART,
    amount: ORDER_TOTAL,
  },
  'orders/create': {
    stage: 'order',
    step: 'create',
    status: 'succeeded',
    cart: ORDER_CART,
    order: 'id',
    name: ORDER_NAME,
    amount: ORDER_TOTAL,
  },
  'orders/paid': {
    stage: 'payment',
    step: 'capture',
    status: 'succeeded',
    cart: ORDER_CART,
    order: 'id',
    name: ORDER_NAME,
    amount: ORDER_TOTAL,
  },
  'orders/cancelled': {
    stage: 'order',
    step: 'cancel',
    status: 'failed',
    cart: ORDER_CART,
    order: 'id',
    name: ORDER_NAME,
    amount: ORDER_TOTAL,
    error: { code: 'cancel_reason' },
  },
  'orders/fulfilled': {
    stage: 'fulfillment',
    step: 'fulfill',
    status: 'succeeded',
    cart: ORDER_CART,
    order: 'id',
    name: ORDER_NAME,
  },
  'fulfillments/create': {
    stage: 'fulfillment',
    step: 'ship',
    status: { field: 'status' },
    order: 'order_id',
    shipment: 'id',
    name: FULFILLMENT_NAME,
    failedWhen: CARRIER_FAILED,
  },
  'fulfillments/update': {
    stage: 'fulfillment',
    step: 'ship',
    status: { field: 'status' },
    order: 'order_id',
    shipment: 'id',
    name: FULFILLMENT_NAME,
    failedWhen: CARRIER_FAILED,
  },
  'refunds/create': {
    stage: 'post_purchase',
    step: 'refund',
    status: 'succeeded',
    order: 'order_id',
    refund: true,
  },
  'inventory_levels/update': {
    stage: 'inventory',
    step: 'level',
    status: 'succeeded',
    sku: 'inventory_item_id',
  },
  'products/update': { stage: 'catalog', step: 'product_update', status: 'succeeded', sku: 'id' },
};

/** A fulfilment's status in Shopify's words, in ours. */
export function statusFrom(value: unknown): Status {
  if (value === 'success') return 'succeeded';
  if (value === 'failure' || value === 'error' || value === 'cancelled') return 'failed';
  return 'started';
}

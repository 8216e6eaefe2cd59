/** The workflow stages Cartwatch follows a cart through, in the order a cart normally meets them. */
export const STAGES = [
  'catalog',
  'cart',
  'checkout',
  'payment',
  'order',
  'inventory',
  'fulfillment',
  'post_purchase',
] as const;
export type Stage = (typeof STAGES)[number];

export const STATUSES = ['started', 'succeeded', 'failed'] as const;
export type Status = (typeof STATUSES)[number];

/** Keys other than cart_id that tie an event to a cart (see SPEC "Correlation"). */
export const CORRELATION_KEYS = ['orderId', 'paymentId', 'shipmentId'] as const;
export type CorrelationKey = (typeof CORRELATION_KEYS)[number];

/** Stages whose events may describe a SKU rather than a cart. */
export const SKU_STAGES: ReadonlySet<Stage> = new Set(['catalog', 'inventory']);

export interface Money {
  /** Minor units (cents). */
  value: number;
  currency: string;
}

/** A validated workflow event (SPEC "Events in"), in our own names; times are epoch milliseconds. */
export interface CartEvent {
  id: string;
  cartId?: string;
  orderId?: string;
  paymentId?: string;
  shipmentId?: string;
  stage: Stage;
  step: string;
  status: Status;
  occurredAt: number;
  source: string;
  runId?: string;
  amount?: Money;
  error?: { code?: string; message?: string };
  sku?: string;
  owner?: string;
  attributes?: Record<string, unknown>;
}

/** An event as stored: `cartId` is the cart it belongs to once any of its keys is linked; `seq` is arrival order. */
export interface StoredEvent extends CartEvent {
  seq: number;
  receivedAt: number;
  /** A failure noise.suppress held back when it was detected: the rule's reason (timelines show it). */
  suppressed?: string;
}

import { type KeyAlias, shopifyFulfillmentKey, shopifyOrderKey } from '../../domain/cart-reference.js';
import { aliasesOf, firstText, minorUnits, pick } from './payload.js';
import { refundOutcome } from './shopify-refunds.js';
import { SHOPIFY_TOPICS, type ShopifyTopic, statusFrom } from './shopify-topics.js';

export type Mapped =
  /** `aliases`: names a person may know the event's keys by, recorded beside it (not part of the event). */
  | { type: 'event'; event: Record<string, unknown>; aliases: KeyAlias[] }
  /** Not followed (an unmapped topic), or about nothing Cartwatch can key (`reason` says why). */
  | { type: 'ignored'; reason?: string }
  | { type: 'invalid'; reason: string };

/** A Shopify webhook as a Cartwatch event (wire format), by the topic table. */
export function mapShopify(input: {
  topic: string;
  webhookId: string;
  payload: unknown;
  receivedAt: number;
}): Mapped {
  // Own keys only: a topic header such as "constructor" must not find Object.prototype.
  const topic = Object.hasOwn(SHOPIFY_TOPICS, input.topic) ? SHOPIFY_TOPICS[input.topic] : undefined;
  if (topic === undefined) return { type: 'ignored' };
  const p = input.payload;
  if (typeof p !== 'object' || p === null || Array.isArray(p))
    return { type: 'invalid', reason: 'the body is not a JSON object' };
  const event: Record<string, unknown> = {
    id: `shopify:${input.webhookId}`,
    stage: topic.stage,
    step: topic.step,
    status: statusOf(topic, p),
    occurred_at: firstText(p, ['updated_at', 'created_at']) ?? new Date(input.receivedAt).toISOString(),
    source: 'shopify',
  };
  const cart = topic.cart && firstText(p, topic.cart);
  if (cart !== undefined) event.cart_id = cart;
  const order = topic.order && firstText(p, [topic.order]);
  if (order !== undefined) event.order_id = shopifyOrderKey(order);
  const shipment = topic.shipment && firstText(p, [topic.shipment]);
  if (shipment !== undefined) event.shipment_id = shopifyFulfillmentKey(shipment);
  const sku = topic.sku && firstText(p, [topic.sku]);
  if (sku !== undefined) event.sku = sku;
  if (topic.amount) {
    const currency = firstText(p, [topic.amount.currency]);
    const value = currency === undefined ? undefined : minorUnits(pick(p, topic.amount.value), currency);
    if (value !== undefined && currency !== undefined)
      event.amount = { value, currency: currency.toUpperCase() };
  }
  if (topic.error) {
    const code = firstText(p, [topic.error.code]);
    if (code !== undefined) event.error = { code };
  }
  const failedWhen = topic.failedWhen;
  if (failedWhen && pick(p, failedWhen.field) === failedWhen.value) {
    event.status = 'failed';
    event.error = { code: failedWhen.code };
  }
  if (topic.refund) Object.assign(event, refundOutcome(p));
  if (cart === undefined && order === undefined && shipment === undefined && sku === undefined) {
    return { type: 'invalid', reason: `${input.topic} carries none of the fields Cartwatch keys carts by` };
  }
  return { type: 'event', event, aliases: nameAliases(topic, p, event) };
}

/** The order's name (`#1001`): what people type, and, unlike its id, not in any key. */
function nameAliases(topic: ShopifyTopic, payload: unknown, event: Record<string, unknown>): KeyAlias[] {
  if (topic.name === undefined) return [];
  const kind = topic.name.of;
  const key = event[kind === 'order' ? 'order_id' : 'shipment_id'];
  return typeof key === 'string' ? aliasesOf(payload, [topic.name.field], { kind, value: key }) : [];
}

function statusOf(topic: ShopifyTopic, payload: unknown): string {
  if (typeof topic.status === 'string') return topic.status;
  const value = pick(payload, topic.status.field);
  if (topic.status.whenPresent === undefined) return statusFrom(value);
  return value === null || value === undefined ? 'started' : topic.status.whenPresent;
}

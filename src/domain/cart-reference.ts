/**
 * What a person holds in hand (a Shopify order's number, name, admin URL or gid; a Stripe id) and
 * the keys Cartwatch stores it under. Pure: the store only looks up the keys read here.
 */

/** The correlation keys the Shopify webhooks record orders and fulfilments under. */
export const shopifyOrderKey = (id: string) => `shopify-order-${id}`;
export const shopifyFulfillmentKey = (id: string) => `shopify-fulfillment-${id}`;

/** The kinds of key an alias may stand for: a cart id or one of the correlation keys. */
export type KeyKind = 'cart' | 'order' | 'payment' | 'shipment';

/**
 * Another name for a key an event carries, recorded so a person can find the cart by it: a Shopify
 * order name (`#1001`) for its order key, a Stripe charge (`ch_`) or Checkout Session (`cs_`) id for
 * its payment intent or cart.
 */
export interface KeyAlias {
  alias: string;
  kind: KeyKind;
  value: string;
}

/** One way to read what was typed: the key to look up, and how it was read (said when it is ambiguous). */
export interface Reading {
  key: string;
  as: 'as typed' | 'Shopify order id' | 'Shopify order name' | 'Shopify fulfillment id';
}

const GID = /^gid:\/\/shopify\/(Order|Fulfillment)\/(\d+)$/;
const DIGITS = /^\d+$/;

/**
 * The keys what a person typed may stand for, most literal first. An id typed exactly as stored is
 * always tried; a URL or gid stands only for the order it names; bare digits may be an order's
 * number (`1001` for `#1001`) or its numeric id, so both are tried and the caller refuses to guess
 * when they lead to different carts.
 */
export function readingsOf(typed: string): Reading[] {
  const gid = GID.exec(typed);
  if (gid) {
    const [, type, id = ''] = gid;
    return type === 'Order'
      ? [{ key: shopifyOrderKey(id), as: 'Shopify order id' }]
      : [{ key: shopifyFulfillmentKey(id), as: 'Shopify fulfillment id' }];
  }
  const fromUrl = shopifyAdminOrderId(typed);
  if (fromUrl !== undefined) return [{ key: shopifyOrderKey(fromUrl), as: 'Shopify order id' }];
  const readings: Reading[] = [{ key: typed, as: 'as typed' }];
  if (DIGITS.test(typed)) {
    readings.push({ key: `#${typed}`, as: 'Shopify order name' });
    readings.push({ key: shopifyOrderKey(typed), as: 'Shopify order id' });
  }
  return readings;
}

/**
 * The order id in a Shopify admin URL, today's (`admin.shopify.com/store/SHOP/orders/ID`) or the
 * older one (`SHOP.myshopify.com/admin/orders/ID`), with or without the scheme, query or fragment.
 */
export function shopifyAdminOrderId(text: string): string | undefined {
  const withScheme = /^https?:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const host = url.hostname.toLowerCase();
  const path = url.pathname.replace(/\/+$/, '');
  const match =
    host === 'admin.shopify.com'
      ? /^\/store\/[^/]+\/orders\/(\d+)$/.exec(path)
      : host.endsWith('.myshopify.com')
        ? /^\/admin\/orders\/(\d+)$/.exec(path)
        : null;
  return match?.[1];
}

import { describe, expect, it } from 'vitest';
import { readingsOf, shopifyAdminOrderId } from '../../src/domain/cart-reference.js';
import { parseCartStatusArgument } from '../../src/slack/listeners/commands/parse-argument.js';

const ORDER = '820982911946154508';
const keys = (typed: string) => readingsOf(typed).map((r) => r.key);

describe('reading what a person holds', () => {
  it('when given a Shopify admin URL, today’s or the older one, then it reads as that order’s key, the id kept exact', () => {
    for (const url of [
      `https://admin.shopify.com/store/cartwatch-test/orders/${ORDER}`,
      `https://admin.shopify.com/store/cartwatch-test/orders/${ORDER}/`,
      `https://admin.shopify.com/store/cartwatch-test/orders/${ORDER}?tab=timeline#note`,
      `admin.shopify.com/store/cartwatch-test/orders/${ORDER}`,
      `https://cartwatch-test.myshopify.com/admin/orders/${ORDER}`,
      `http://Cartwatch-Test.myshopify.com/admin/orders/${ORDER}`,
      `cartwatch-test.myshopify.com/admin/orders/${ORDER}`,
    ]) {
      expect(keys(url), url).toEqual([`shopify-order-${ORDER}`]);
    }
  });

  it('when given a gid, then an Order reads as the order key and a Fulfillment as the shipment key', () => {
    expect(readingsOf(`gid://shopify/Order/${ORDER}`)).toEqual([
      { key: `shopify-order-${ORDER}`, as: 'Shopify order id' },
    ]);
    expect(keys('gid://shopify/Fulfillment/1069019873')).toEqual(['shopify-fulfillment-1069019873']);
  });

  it('when given bare digits, then they are tried as typed, as an order name and as an order id', () => {
    expect(readingsOf('1001')).toEqual([
      { key: '1001', as: 'as typed' },
      { key: '#1001', as: 'Shopify order name' },
      { key: 'shopify-order-1001', as: 'Shopify order id' },
    ]);
    expect(keys(ORDER)).toEqual([ORDER, `#${ORDER}`, `shopify-order-${ORDER}`]);
  });

  it('when given anything else (a name with its hash, a Stripe id, a cart token, another URL), then it is looked up as typed', () => {
    for (const typed of [
      '#1001',
      'pi_3QxDeclineRetry',
      'ch_3QxRetryOk',
      'cs_test_a1QxSessionExpired',
      'c1-7f3e?key=ab12&v=2',
      'https://admin.shopify.com/store/x/products/123',
      'https://evil.example/admin/orders/123',
      'gid://shopify/Customer/1',
    ]) {
      expect(readingsOf(typed), typed).toEqual([{ key: typed, as: 'as typed' }]);
    }
  });

  it('when a URL only looks like an admin URL, then no order id is read from it', () => {
    expect(shopifyAdminOrderId('https://admin.shopify.com.evil.example/store/x/orders/1')).toBeUndefined();
    expect(shopifyAdminOrderId('https://myshopify.com.evil.example/admin/orders/1')).toBeUndefined();
    expect(shopifyAdminOrderId('ftp://x.myshopify.com/admin/orders/1')).toBeUndefined();
    expect(shopifyAdminOrderId('https://admin.shopify.com/store/x/orders/1abc')).toBeUndefined();
    expect(shopifyAdminOrderId('https://admin.shopify.com/store/x/orders/')).toBeUndefined();
  });
});

describe('/cart-status argument', () => {
  it('when a link arrives in Slack’s markup, with or without a label, then the URL is the id', () => {
    const url = `https://admin.shopify.com/store/cartwatch-test/orders/${ORDER}`;
    expect(parseCartStatusArgument(`<${url}>`)).toEqual({ type: 'id', id: url });
    expect(parseCartStatusArgument(`<${url}|Order #1001>`)).toEqual({ type: 'id', id: url });
    expect(parseCartStatusArgument(`&lt;${url}|#1001&gt;`)).toEqual({ type: 'id', id: url });
    expect(parseCartStatusArgument(' #1001 ')).toEqual({ type: 'id', id: '#1001' });
  });

  it('when the markup is a mention or a broadcast, then it is still refused', () => {
    for (const text of ['<@U123>', '<!channel>', '<#C0OPS|ops>', '<mailto:a@b.co|a@b.co>']) {
      expect(parseCartStatusArgument(text).type, text).toBe('invalid');
    }
  });
});

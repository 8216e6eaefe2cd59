import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { postCommand } from '../support/slack-requests.js';

const SHOPIFY_SECRET = 'shopify-find-secret';
const STRIPE_SECRET = 'whsec_find_secret';
// The fixtures' own day; the Stripe signatures are made at the app's clock so they are in tolerance.
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const CART = '68778783ad298f1c80c3bafcddeea02f';
const ORDER = '820982911946154508';
const fixture = (name: string) => readFileSync(`test/fixtures/${name}`, 'utf8');
let app: SlackTestApp;
let clock: TestClock;

beforeEach(async () => {
  clock = new TestClock(T0);
  app = await startSlackTestApp({
    clock,
    env: { shopifyWebhookSecret: SHOPIFY_SECRET, stripeWebhookSecret: STRIPE_SECRET },
  });
});
afterEach(async () => {
  await app.stop();
});

async function shopify(topic: string, body: string, id: string) {
  const res = await fetch(`${app.url}/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body).digest('base64'),
      'x-shopify-webhook-id': id,
      'x-shopify-shop-domain': 'cartwatch-test.myshopify.com',
    },
    body,
  });
  expect(res.status, `${topic} ${await res.text()}`).toBe(200);
}

async function stripe(body: string) {
  const t = Math.floor(clock.now() / 1000);
  const v1 = createHmac('sha256', STRIPE_SECRET).update(`${t}.${body}`).digest('hex');
  const res = await fetch(`${app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` },
    body,
  });
  expect(res.status, await res.text()).toBe(200);
}

/** What a person sees for `/cart-status <text>`: the cart's header, or the reply's text. */
async function ask(text: string): Promise<string> {
  const res = await postCommand(app.url, text);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { response_type: string; text?: string; blocks?: unknown[] };
  expect(body.response_type).toBe('ephemeral');
  return JSON.stringify(body.blocks ?? []) + (body.text ?? '');
}

async function shopifyOrderFlow() {
  await shopify('checkouts/create', fixture('shopify/checkout-create.json'), 'wh-checkout');
  await shopify('orders/create', fixture('shopify/order-create.json'), 'wh-order');
  await shopify('fulfillments/create', fixture('shopify/fulfillment-create.json'), 'wh-fulfil');
}

describe('finding a Shopify order by what a person holds', () => {
  it('when an order came in by webhook, then its numeric id, name with or without #, both admin URLs and its gid find the cart, in Slack and over HTTP', async () => {
    await shopifyOrderFlow();
    const forms = [
      ORDER,
      '#1001',
      '1001',
      `https://admin.shopify.com/store/cartwatch-test/orders/${ORDER}`,
      `https://cartwatch-test.myshopify.com/admin/orders/${ORDER}`,
      `gid://shopify/Order/${ORDER}`,
      `shopify-order-${ORDER}`,
      '#1001.1',
      CART,
    ];
    for (const form of forms) {
      const reply = await ask(form);
      expect(reply, form).toContain(`Cart ${CART}`);
      expect(reply, form).toContain('fulfillment.ship');
      const http = await app.getCart(form);
      expect(http.status, form).toBe(200);
      expect(http.body.cart_id, form).toBe(CART);
      expect(http.body.events.map((e: { step: string }) => e.step)).toEqual(['create', 'create', 'ship']);
    }
  });

  it('when the admin URL is pasted as a Slack link, with a label or escaped, then it finds the cart', async () => {
    await shopifyOrderFlow();
    const url = `https://admin.shopify.com/store/cartwatch-test/orders/${ORDER}`;
    expect(await ask(`<${url}|Order #1001>`)).toContain(`Cart ${CART}`);
    expect(await ask(`&lt;${url}&gt;`)).toContain(`Cart ${CART}`);
  });

  it('when an order has no cart yet, then its name still finds it, marked as not linked', async () => {
    const pos = fixture('shopify/order-create.json')
      .replace(`"id": ${ORDER}`, '"id": 820982911946154999')
      .replace(`"cart_token": "${CART}"`, '"cart_token": null')
      .replace('"checkout_token": "b1946ac92492d2347c6235b4d2611184"', '"checkout_token": null')
      .replace('"name": "#1001"', '"name": "#1002"');
    await shopify('orders/create', pos, 'wh-pos');
    const reply = await ask('#1002');
    expect(reply).toContain('not linked to a cart yet');
    expect(reply).toContain('order.create');
    const http = await app.getCart('#1002');
    expect(http.status).toBe(200);
    expect(http.body).toMatchObject({
      cart_id: null,
      events: [{ order_id: 'shopify-order-820982911946154999' }],
    });
  });

  it('when 1001 is both an order name and another cart’s order id, then the reply names both instead of guessing', async () => {
    await shopifyOrderFlow();
    await app.postEvents(anEvent({ cart_id: 'cart_other', order_id: 'shopify-order-1001', stage: 'order' }));
    const reply = await ask('1001');
    expect(reply).toContain('could mean more than one cart');
    expect(reply).toContain(`Shopify order name \`#1001\`: cart \`${CART}\``);
    expect(reply).toContain('Shopify order id `shopify-order-1001`: cart `cart_other`');
    const http = await app.getCart('1001');
    expect(http.status).toBe(409);
    expect(http.body.matches).toEqual([
      { read_as: 'Shopify order name', key: '#1001', cart_id: CART },
      { read_as: 'Shopify order id', key: 'shopify-order-1001', cart_id: 'cart_other' },
    ]);
    // Typed the way it is shown, each is found.
    expect((await app.getCart('#1001')).body.cart_id).toBe(CART);
  });
});

describe('finding a Stripe payment by what a person holds', () => {
  it('when a payment failed and was retried, then the payment intent and both charges find the cart', async () => {
    await stripe(fixture('stripe/payment-intent-failed.json'));
    await stripe(fixture('stripe/payment-intent-succeeded.json'));
    await stripe(fixture('stripe/charge-succeeded.json'));
    for (const form of ['pi_3QxDeclineRetry', 'ch_3QxDeclineRetry', 'ch_3QxRetryOk', 'cart_stripe_1']) {
      const reply = await ask(form);
      expect(reply, form).toContain('Cart cart_stripe_1');
      expect(reply, form).toContain('payment.charge');
      const http = await app.getCart(form);
      expect(http.status, form).toBe(200);
      expect(http.body.cart_id, form).toBe('cart_stripe_1');
      expect(http.body.events.map((e: { step: string }) => e.step)).toEqual([
        'authorize',
        'authorize',
        'charge',
      ]);
    }
  });

  it('when a Checkout Session expired before any payment, then its cs_ id finds its cart', async () => {
    await stripe(fixture('stripe/checkout-session-expired.json'));
    expect(await ask('cs_test_a1QxSessionExpired')).toContain('Cart cart_session_7');
    const http = await app.getCart('cs_test_a1QxSessionExpired');
    expect(http.body).toMatchObject({ cart_id: 'cart_session_7', events: [{ step: 'expire' }] });
  });
});

describe('what is not found, and what is kept', () => {
  it('when nothing matches, then Slack says so with the id escaped and HTTP answers 404', async () => {
    await shopifyOrderFlow();
    for (const form of ['#9999', 'ch_nothing', `https://admin.shopify.com/store/x/orders/1`]) {
      expect(await ask(form), form).toContain('Nothing is known by');
      expect((await app.getCart(form)).status, form).toBe(404);
    }
    const hostile = await ask('ord_&lt;!channel&gt;&amp;x');
    expect(hostile).toContain('Nothing is known by `ord_&lt;!channel&gt;&amp;x`');
    expect(hostile).not.toContain('<!channel>');
  });

  it('when a delivery repeats, then its names are kept once; when retention passes, they go with the events', async () => {
    await shopifyOrderFlow();
    await shopify('orders/create', fixture('shopify/order-create.json'), 'wh-order-again');
    await stripe(fixture('stripe/payment-intent-failed.json'));
    const aliases = () => {
      const db = new Database(app.dbPath, { readonly: true });
      try {
        return db.prepare('SELECT alias, key_kind, key_value FROM key_aliases ORDER BY alias').all();
      } finally {
        db.close();
      }
    };
    expect(aliases()).toEqual([
      { alias: '#1001', key_kind: 'order', key_value: `shopify-order-${ORDER}` },
      { alias: '#1001.1', key_kind: 'shipment', key_value: 'shopify-fulfillment-1069019873' },
      { alias: 'ch_3QxDeclineRetry', key_kind: 'payment', key_value: 'pi_3QxDeclineRetry' },
    ]);
    await app.running.store.pruneBefore(T0 + 1, { limit: 1000 });
    expect(aliases()).toEqual([]);
    expect((await app.getCart('#1001')).status).toBe(404);
  });
});

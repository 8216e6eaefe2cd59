/**
 * The demo: ten minutes of a shop in the wire format of POST /events. It opens with a backdated
 * batch (a fulfilment backlog, a capture that never came, out-of-stock reservations, a late event,
 * one catalog run and then silence), then carts flow through checkout, payment, order, fulfilment
 * and delivery, with what an operator meets on a real day: customers' own declines (suppressed,
 * shown in their carts' timelines), a processor error that recovers, a carrier outage that makes a
 * storm and then clears, and a burst of card testing whose declines push the payment failure rate
 * over its rule. Times are offsets: the feeder stamps each event when it sends it.
 */
const SECOND = 1000;
const MIN = 60 * SECOND;

/** How long the demo plays in real time. */
export const DEMO_LENGTH_MS = 10 * MIN;

type Wire = Record<string, unknown>;

/** An event to send `atMs` into the demo, as having happened `lagMs` before it is sent. */
export interface DemoEvent {
  atMs: number;
  lagMs: number;
  event: Wire;
}

/** Something a person does in the demo: Anna snoozes a cart's exception for a few minutes. */
export interface DemoSnooze {
  atMs: number;
  snooze: { cartId: string; stage: string; forMs: number; actor: string };
}

export type DemoItem = DemoEvent | DemoSnooze;

const SOURCE: Record<string, string> = {
  payment: 'stripe',
  fulfillment: 'warehouse',
  post_purchase: 'carrier',
};

class Script {
  readonly items: DemoItem[] = [];
  private n = 0;

  constructor(private readonly run: string) {}

  /** An event of a cart (or, with `key`, of an order id only), sent at `atMs`, `lagMs` old by then. */
  add(at: { atMs: number; lagMs?: number }, fields: Wire): void {
    this.n += 1;
    const stage = String(fields.stage);
    const event = { id: `demo_${this.run}_${this.n}`, source: SOURCE[stage] ?? 'shop', ...fields };
    this.items.push({ atMs: at.atMs, lagMs: at.lagMs ?? 0, event });
  }

  step(
    cart: string,
    at: { atMs: number; lagMs?: number },
    stage: string,
    step: string,
    status: string,
    extra: Wire = {},
  ) {
    this.add(at, { cart_id: cart, stage, step, status, ...extra });
  }
}

export function demoScenario(options: { run: string; carts?: number }): DemoItem[] {
  const script = new Script(options.run);
  const tag = options.run.slice(-4);
  const id = (kind: string, n: number) => `${kind}_${tag}${String(n).padStart(3, '0')}`;
  openingBatch(script, id, options.carts ?? 24);
  flowingCarts(script, id);
  cardTesting(script, id);
  // Anna has the capture that never came in hand and snoozes it; its end shows in its thread.
  script.items.push({
    atMs: 90 * SECOND,
    snooze: { cartId: id('cart', 4), stage: 'payment', forMs: 4 * MIN, actor: 'U0ANNA' },
  });
  return script.items.sort((a, b) => a.atMs - b.atMs);
}

/** The stream as absolute events, ending now: what `cartwatch demo` writes for `cartwatch import`. */
export function demoEvents(options: { now: number; carts?: number; run?: string }): Wire[] {
  const start = options.now - DEMO_LENGTH_MS;
  const run = options.run ?? String(options.now);
  return demoScenario({ run, ...(options.carts !== undefined && { carts: options.carts }) }).flatMap(
    (item) =>
      'event' in item
        ? [{ ...item.event, occurred_at: new Date(start + item.atMs - item.lagMs).toISOString() }]
        : [],
  );
}

/** Sent at once, backdated so every kind of exception shows within a minute of starting. */
function openingBatch(script: Script, id: (kind: string, n: number) => string, carts: number): void {
  const at = (minutesAgo: number) => ({ atMs: 0, lagMs: minutesAgo * MIN });
  // One catalog run, then silence: the demo's watched source goes quiet (see withDemoSources).
  script.add(at(0), {
    sku: 'SKU-1',
    stage: 'catalog',
    step: 'sync',
    status: 'succeeded',
    source: 'catalog-sync',
    run_id: `catalog-${id('run', 0)}`,
  });
  for (let i = 0; i < carts; i++) {
    const cart = id('cart', i);
    const order = id('ord', i);
    const value = { value: 1999 + ((i * 7919) % 25000), currency: 'USD' };
    // Carts bound for the backlog started hours ago, so their waiting is already past max_age.
    const backlogged = i % 5 === 1;
    const start = (backlogged ? 200 : 100) - i * 2;
    script.step(cart, at(start), 'checkout', 'submit', 'succeeded', { amount: value });
    if (i % 6 === 3) {
      // A customer's own decline: stored and counted, never posted; half retry with another card.
      const declined = {
        error: { code: 'card_declined', message: 'Your card was declined.' },
        amount: value,
      };
      script.step(cart, at(start - 1), 'payment', 'authorize', 'failed', declined);
      if (i % 12 !== 3) continue;
    }
    script.step(cart, at(start - 2), 'payment', 'authorize', 'succeeded', { amount: value });
    if (i === 4) continue; // captured never: the expect rule notices after 15 minutes
    script.step(cart, at(start - 3), 'payment', 'capture', 'succeeded', { amount: value, order_id: order });
    script.add(at(start - 4), { order_id: order, stage: 'order', step: 'create', status: 'succeeded' });
    if (i % 8 === 6) {
      script.step(cart, at(start - 5), 'inventory', 'reserve', 'failed', {
        sku: `SKU-${i}`,
        error: { code: 'out_of_stock' },
      });
    }
    if (backlogged) {
      // Picked hours ago and never shipped: the fulfilment backlog's oldest is past max_age.
      script.step(cart, at(start - 6), 'fulfillment', 'pick', 'started');
      continue;
    }
    script.step(cart, at(start - 14), 'fulfillment', 'ship', 'succeeded', { shipment_id: id('shp', i) });
  }
  // A late arrival: a step of the first cart that happened before events already sent.
  script.step(id('cart', 0), at(99), 'cart', 'add', 'succeeded');
}

/** A cart every six seconds, through to delivery; a few meet a decline, an error or a carrier outage. */
function flowingCarts(script: Script, id: (kind: string, n: number) => string): void {
  for (let k = 0; k < 95; k++) {
    const cart = id('cart', 100 + k);
    const order = id('ord', 100 + k);
    const t = k * 6 * SECOND;
    const at = (offset: number) => ({ atMs: t + offset * SECOND });
    const value = { value: 2000 + ((k * 3571) % 24000), currency: 'USD' };
    script.step(cart, at(0), 'checkout', 'submit', 'succeeded', { amount: value });
    let paid = 2;
    if (k % 9 === 4) {
      const code = k % 2 === 0 ? 'insufficient_funds' : 'card_declined';
      script.step(cart, at(2), 'payment', 'authorize', 'failed', {
        amount: value,
        error: { code, message: 'The card was declined by its issuer.' },
      });
      paid = 8; // another card, a few seconds later
    }
    if (k === 6) {
      // The processor fails once; the retry half a minute later goes through and resolves it.
      script.step(cart, at(2), 'payment', 'authorize', 'failed', {
        amount: value,
        error: { code: 'processing_error', message: 'An error occurred while processing the card.' },
      });
      paid = 35;
    }
    script.step(cart, at(paid), 'payment', 'authorize', 'succeeded', { amount: value });
    script.step(cart, at(paid + 2), 'payment', 'capture', 'succeeded', { amount: value, order_id: order });
    script.add(at(paid + 4), { order_id: order, stage: 'order', step: 'create', status: 'succeeded' });
    let shipped = paid + 13;
    if (k >= 8 && k <= 13) {
      // The carrier's API times out for a while: six like failures become one storm, and clear.
      script.step(cart, at(shipped), 'fulfillment', 'ship', 'failed', {
        error: { code: 'carrier_api_timeout', message: 'The carrier did not answer in 30s.' },
      });
      shipped = 150 + (13 - k) * 3;
    }
    script.step(cart, at(shipped), 'fulfillment', 'ship', 'succeeded', { shipment_id: id('shp', 100 + k) });
    script.step(cart, at(shipped + 12), 'post_purchase', 'deliver', 'succeeded');
  }
}

/**
 * From minute 3 to 7, a card tester tries cheap carts every three seconds, five in six declined.
 * Each decline is the customer's own and suppressed, but together they take the payment stage's
 * failure rate past its rule (over 20% of at least 40 attempts in 15 minutes): one rate exception.
 */
function cardTesting(script: Script, id: (kind: string, n: number) => string): void {
  const codes = ['card_declined', 'incorrect_cvc', 'do_not_honor', 'card_declined'];
  for (let j = 0; j < 80; j++) {
    const cart = id('cart', 300 + j);
    const t = 3 * MIN + j * 3 * SECOND;
    const at = (offset: number) => ({ atMs: t + offset * SECOND });
    const value = { value: 100 + (j % 4) * 50, currency: 'USD' };
    script.step(cart, at(0), 'checkout', 'submit', 'succeeded', { amount: value });
    if (j % 6 !== 0) {
      script.step(cart, at(1), 'payment', 'authorize', 'failed', {
        amount: value,
        error: { code: codes[j % 4], message: 'Your card was declined.' },
      });
      continue;
    }
    const order = id('ord', 300 + j);
    script.step(cart, at(1), 'payment', 'authorize', 'succeeded', { amount: value });
    script.step(cart, at(3), 'payment', 'capture', 'succeeded', { amount: value, order_id: order });
    script.add(at(5), { order_id: order, stage: 'order', step: 'create', status: 'succeeded' });
    script.step(cart, at(15), 'fulfillment', 'ship', 'succeeded', { shipment_id: id('shp', 300 + j) });
    script.step(cart, at(27), 'post_purchase', 'deliver', 'succeeded');
  }
}

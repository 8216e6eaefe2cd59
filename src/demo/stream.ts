/**
 * A realistic demo stream in the wire format of POST /events: carts moving through checkout,
 * payment, order and fulfilment, with card declines (some retried to success), a capture that
 * never follows its authorisation, a fulfilment backlog and a late event, all backdated so every
 * kind of exception shows within a minute of starting.
 */
const MIN = 60_000;

type Wire = Record<string, unknown>;

export function demoEvents(options: { now: number; carts: number; run?: string }): Wire[] {
  const run = options.run ?? String(options.now);
  const events: Wire[] = [];
  let n = 0;
  const event = (cart: string, at: number, stage: string, step: string, status: string, extra: Wire = {}) => {
    n += 1;
    events.push({
      id: `demo_${run}_${n}`,
      cart_id: cart,
      stage,
      step,
      status,
      occurred_at: new Date(at).toISOString(),
      source: stage === 'payment' ? 'stripe' : stage === 'fulfillment' ? 'warehouse' : 'shop',
      ...extra,
    });
  };
  // One catalog run, then silence: the demo's watched source goes quiet (see withDemoSources).
  n += 1;
  events.push({
    id: `demo_${run}_${n}`,
    sku: 'SKU-1',
    stage: 'catalog',
    step: 'sync',
    status: 'succeeded',
    occurred_at: new Date(options.now).toISOString(),
    source: 'catalog-sync',
    run_id: `catalog-${run}`,
  });
  for (let i = 0; i < options.carts; i++) {
    const cart = `cart_${run.slice(-4)}${String(i).padStart(3, '0')}`;
    const order = `ord_${run.slice(-4)}${String(i).padStart(3, '0')}`;
    const value = { value: 1999 + ((i * 7919) % 25000), currency: 'USD' };
    // Carts bound for the backlog started hours ago, so their waiting is already past max_age.
    const backlogged = i % 5 === 1;
    const start = options.now - (backlogged ? 200 : 100) * MIN + i * 2 * MIN;
    event(cart, start, 'checkout', 'submit', 'succeeded', { amount: value });
    if (i % 6 === 3) {
      const declined = {
        error: { code: 'card_declined', message: 'Your card was declined.' },
        amount: value,
      };
      event(cart, start + MIN, 'payment', 'authorize', 'failed', declined);
      // Half the declined carts retry with another card and go through: their exception resolves itself.
      if (i % 12 !== 3) continue;
    }
    event(cart, start + 2 * MIN, 'payment', 'authorize', 'succeeded', { amount: value });
    if (i === 4) continue; // captured never: the expect rule notices after 15 minutes
    event(cart, start + 3 * MIN, 'payment', 'capture', 'succeeded', { amount: value, order_id: order });
    const placed = start + 4 * MIN;
    events.push({ ...stepOf(order, placed, 'order', 'create', 'succeeded'), id: `demo_${run}_o${i}` });
    if (i % 8 === 6) {
      event(cart, placed + MIN, 'inventory', 'reserve', 'failed', {
        sku: `SKU-${i}`,
        error: { code: 'out_of_stock' },
      });
    }
    if (backlogged) {
      // Picked hours ago and never shipped: the fulfilment backlog's oldest is past max_age.
      event(cart, placed + 2 * MIN, 'fulfillment', 'pick', 'started');
      continue;
    }
    event(cart, placed + 10 * MIN, 'fulfillment', 'ship', 'succeeded', { shipment_id: `shp_${i}` });
  }
  // A late arrival: a step of the first cart that happened before events already sent.
  events.push({
    ...stepOf(`cart_${run.slice(-4)}000`, options.now - 99 * MIN, 'cart', 'add', 'succeeded'),
    id: `demo_${run}_late`,
  });
  return events;
}

/** An event keyed only by its order id: it joins its cart through the capture that linked them. */
function stepOf(id: string, at: number, stage: string, step: string, status: string): Wire {
  const key = id.startsWith('ord_') ? { order_id: id } : { cart_id: id };
  return { ...key, stage, step, status, occurred_at: new Date(at).toISOString(), source: 'shop' };
}

/**
 * A generated busy day for the noise benchmark: carts flowing through checkout, payment, order,
 * inventory and fulfilment at a steady rate, customers' own card declines at a normal rate, and
 * injected incidents of different kinds, one of them delivered late. Deterministic (seeded), so two
 * runs replay the same day.
 */
export interface DayEvent {
  /** When the producer delivers it to Cartwatch (ms); a late delivery is after `occurredAt`. */
  deliverAt: number;
  wire: Record<string, unknown>;
}

export interface Incident {
  name: string;
  /** When people could first know: its first failure's delivery. */
  startsAt: number;
  /** How long it may take to be told, at most: 5 minutes, or a rate rule's window. */
  allowedMs: number;
  /** Whether a raised exception or storm (its stage, step, error code, kind) is about this incident. */
  covers: (subject: { stage: string; step: string; errorCode?: string; kind: string }) => boolean;
}

export interface Day {
  events: DayEvent[];
  incidents: Incident[];
  failures: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DECLINES = ['card_declined', 'insufficient_funds', 'expired_card', 'incorrect_cvc', 'do_not_honor'];

/** A small seeded generator (mulberry32): the same day on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function busyDay(options: { start: number; hours: number; cartsPerMinute: number }): Day {
  const { start, hours, cartsPerMinute } = options;
  const rand = random(42);
  const events: DayEvent[] = [];
  let n = 0;
  let failures = 0;
  const at = (hour: number) => start + hour * HOUR;
  // Incidents at fixed points of the day (scaled for shorter runs).
  const psp = { from: at(hours * 0.15), to: at(hours * 0.15) + 10 * MINUTE };
  const orderDrain = at(hours * 0.35);
  const oversold = { from: at(hours * 0.55), to: at(hours * 0.55) + 10 * MINUTE };
  const carrier = { from: at(hours * 0.7), to: at(hours * 0.7) + 15 * MINUTE };
  const capture = { from: at(hours * 0.85), to: at(hours * 0.85) + 20 * MINUTE };

  const emit = (
    cart: string,
    occurredAt: number,
    fields: Record<string, unknown>,
    deliverAt = occurredAt,
  ) => {
    n += 1;
    if (fields.status === 'failed') failures += 1;
    events.push({
      deliverAt,
      wire: {
        id: `noise_${n}`,
        cart_id: cart,
        occurred_at: new Date(occurredAt).toISOString(),
        source: 'shop',
        status: 'succeeded',
        ...fields,
      },
    });
  };

  const total = Math.floor(hours * 60 * cartsPerMinute);
  for (let c = 0; c < total; c++) {
    const cart = `cart_${c}`;
    const t0 = start + Math.floor((c / cartsPerMinute) * MINUTE);
    const amount = { value: 2000 + Math.floor(rand() * 18_000), currency: 'USD' };
    emit(cart, t0, { stage: 'checkout', step: 'submit', amount });
    let t = t0 + 20_000;
    const pspDown = t >= psp.from && t < psp.to;
    if (pspDown && rand() < 0.4) {
      emit(cart, t, {
        stage: 'payment',
        step: 'authorize',
        status: 'failed',
        source: 'stripe',
        amount,
        error: { code: 'processing_error' },
      });
      t += 40_000;
    } else if (rand() < 0.08) {
      const code = DECLINES[Math.floor(rand() * DECLINES.length)];
      emit(cart, t, {
        stage: 'payment',
        step: 'authorize',
        status: 'failed',
        source: 'stripe',
        amount,
        error: { code },
      });
      // Half the customers try another card and pay; the rest leave.
      if (rand() < 0.5) continue;
      t += 45_000;
    }
    emit(cart, t, { stage: 'payment', step: 'authorize', source: 'stripe', amount });
    t += 30_000;
    // The capture service stops: captures never come for a while (an expected step goes missing).
    if (t >= capture.from && t < capture.to) continue;
    emit(cart, t, { stage: 'payment', step: 'capture', source: 'stripe', amount });
    t += 20_000;
    if (c % 6 === 1 && t >= orderDrain - 40 * MINUTE && t < orderDrain) {
      // The order service's queue fails these and delivers the failures late, all within a minute.
      const failure = {
        stage: 'order',
        step: 'create',
        status: 'failed',
        source: 'oms',
        error: { code: 'order_service_timeout' },
      };
      emit(cart, t, failure, orderDrain + (c % 60) * 1000);
      continue;
    }
    emit(cart, t, { stage: 'order', step: 'create', source: 'oms' });
    t += 10_000;
    if (t >= oversold.from && t < oversold.to && c % cartsPerMinute === 3) {
      // One SKU oversold: a trickle, one cart a minute.
      emit(cart, t, {
        stage: 'inventory',
        step: 'reserve',
        status: 'failed',
        source: 'wms',
        sku: 'SKU-HOT',
        error: { code: 'out_of_stock' },
      });
      continue;
    }
    emit(cart, t, { stage: 'inventory', step: 'reserve', source: 'wms' });
    t += 20 * MINUTE + Math.floor(rand() * 40 * MINUTE);
    if (t >= carrier.from && t < carrier.to && rand() < 0.7) {
      emit(cart, t, {
        stage: 'fulfillment',
        step: 'ship',
        status: 'failed',
        source: 'carrier',
        error: { code: 'carrier_unavailable' },
      });
      continue;
    }
    emit(cart, t, { stage: 'fulfillment', step: 'ship', source: 'carrier' });
    emit(cart, t + 2 * HOUR, { stage: 'post_purchase', step: 'deliver', source: 'carrier' });
  }
  events.sort((a, b) => a.deliverAt - b.deliverAt);
  const five = 5 * MINUTE;
  const incidents: Incident[] = [
    {
      name: 'psp processing_error',
      startsAt: psp.from,
      allowedMs: 15 * MINUTE,
      covers: (s) => s.stage === 'payment' && (s.kind === 'rate' || s.errorCode === 'processing_error'),
    },
    {
      name: 'order queue drained late',
      startsAt: orderDrain,
      allowedMs: five,
      covers: (s) => s.stage === 'order' && s.errorCode === 'order_service_timeout',
    },
    {
      name: 'oversold sku',
      startsAt: oversold.from,
      allowedMs: five,
      covers: (s) => s.stage === 'inventory' && s.errorCode === 'out_of_stock',
    },
    {
      name: 'carrier outage',
      startsAt: carrier.from,
      allowedMs: five,
      covers: (s) => s.stage === 'fulfillment' && s.errorCode === 'carrier_unavailable',
    },
    {
      name: 'captures missing',
      // The first cart without its capture overstays the payment SLA (10m) after its authorisation.
      startsAt: capture.from + 10 * MINUTE,
      allowedMs: five,
      // Each cart's stall is one per stage: the SLA (on its last step) and the missing capture share it.
      covers: (s) => s.stage === 'payment' && s.kind === 'stalled',
    },
  ];
  return { events, incidents, failures };
}

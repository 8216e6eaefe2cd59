import { anEvent } from './events.js';
import type { SeededRandom } from './seeded-random.js';

export type WireEvent = Record<string, unknown>;

/** One exception the stream implies, and what it must look like once the cluster settles. */
export interface ExpectedException {
  cartId: string;
  kind: 'failed' | 'stalled';
  state: 'open' | 'acknowledged' | 'resolved';
  channel: string;
  /** How many events it stands for (a repeated failure is one exception counting both). */
  count: number;
  /** Raised together with others like it: they form one storm with one message. */
  storm?: string;
}

/** A request the producer must get answered 202, not before `at` (a share of the stream's length). */
export interface ScriptedRequest {
  at: number;
  events: WireEvent[];
}

export interface ChaosStream {
  /** Each lane's requests, in the order they must be acknowledged (a fix after its failure). */
  lanes: ScriptedRequest[][];
  expected: Map<string, ExpectedException>;
  /** Failures held back by noise.suppress: counted, never raised. */
  suppressed: number;
  /** Carts whose exception a person acknowledges in Slack once its message shows. */
  acknowledged: string[];
}

export const CHANNELS = { payments: 'C0PAY', fulfillment: 'C0SHIP', ops: 'C0OPS' } as const;

/** Stalls in checkout past a 30-minute SLA; customers' declines suppressed; no rate rules. */
export const CHAOS_CONFIG = `
timezone: UTC
teams:
  payments: { channel: ${CHANNELS.payments} }
  fulfillment: { channel: ${CHANNELS.fulfillment} }
  ops: { channel: ${CHANNELS.ops} }
routes:
  - { match: { stage: payment }, team: payments }
  - { match: { stage: fulfillment }, team: fulfillment }
  - { team: ops }
sla: { checkout: 30m }
escalation: { after: 1d }
digest: { at: "00:00", skip_quiet: false, weekly: false }
noise:
  suppress:
    - { match: { error_code: card_declined }, reason: customer declined }
  rates: []
`;

const STAGE_CHANNEL = { payment: CHANNELS.payments, fulfillment: CHANNELS.fulfillment } as const;

/**
 * The scripted part of a chaos run, drawn from `random`: failures left open (some repeated),
 * failures a later success resolves, declines that are suppressed, a storm sent as one batch, and
 * carts long past their checkout SLA. What it implies is worked out here, from the stream alone.
 */
export function chaosStream(random: SeededRandom, options: { lanes: number; now: number }): ChaosStream {
  const { now } = options;
  const tag = random.seed.toString(36);
  const lanes: ScriptedRequest[][] = Array.from({ length: options.lanes }, () => []);
  const expected = new Map<string, ExpectedException>();
  let n = 0;
  const id = () => `chaos_${tag}_${n++}`;
  const at = () => random.next() * 0.8;
  const occurred = (share: number, plusMs = 0) => new Date(now + share * 20_000 + plusMs).toISOString();
  const failure = (cart: string, stage: string, code: string, share: number, plusMs = 0) =>
    anEvent({
      id: id(),
      cart_id: cart,
      stage,
      step: 'run',
      status: 'failed',
      error: { code },
      occurred_at: occurred(share, plusMs),
    });
  const lane = () => random.pick(lanes);

  for (const stage of ['payment', 'fulfillment'] as const) {
    const channel = STAGE_CHANNEL[stage];
    for (let i = 0; i < 5; i++) {
      const cart = `open_${stage}_${i}_${tag}`;
      const when = at();
      const repeated = i < 2;
      const handled = i === 3;
      const own = lane();
      own.push({ at: when, events: [failure(cart, stage, `e_${cart}`, when)] });
      if (repeated) own.push({ at: when + 0.1, events: [failure(cart, stage, `e_${cart}`, when, 5_000)] });
      const state = handled ? 'acknowledged' : 'open';
      expected.set(cart, { cartId: cart, kind: 'failed', state, channel, count: repeated ? 2 : 1 });
    }
    for (let i = 0; i < 4; i++) {
      const cart = `fixed_${stage}_${i}_${tag}`;
      const when = at();
      const own = lane();
      own.push({ at: when, events: [failure(cart, stage, `e_${cart}`, when)] });
      const fix = anEvent({
        id: id(),
        cart_id: cart,
        stage,
        step: 'run',
        status: 'succeeded',
        occurred_at: occurred(when, 1_000),
      });
      own.push({ at: when + random.next() * 0.15, events: [fix] });
      expected.set(cart, { cartId: cart, kind: 'failed', state: 'resolved', channel, count: 1 });
    }
  }

  // Customers' declines: held back by noise.suppress, each counted once.
  let suppressed = 0;
  for (let i = 0; i < 8; i++) {
    const when = at();
    lane().push({ at: when, events: [failure(`declined_${i}_${tag}`, 'payment', 'card_declined', when)] });
    suppressed += 1;
  }

  // A carrier outage: five carts failing alike, in one batch, form one storm with one message.
  const stormAt = at();
  const storm = Array.from({ length: 5 }, (_, i) => `storm_${i}_${tag}`);
  lane().push({
    at: stormAt,
    events: storm.map((cart) => failure(cart, 'fulfillment', 'carrier_timeout', stormAt)),
  });
  for (const cart of storm)
    expected.set(cart, {
      cartId: cart,
      kind: 'failed',
      state: 'open',
      channel: CHANNELS.fulfillment,
      count: 1,
      storm: 'carrier_timeout',
    });

  // Two hours into checkout against a 30-minute SLA: stalled at the next sweep. Each waits at its own
  // step, so they are not like exceptions and stay out of any storm.
  const longAgo = new Date(now - 2 * 3_600_000).toISOString();
  for (let i = 0; i < 4; i++) {
    const cart = `stall_${i}_${tag}`;
    const event = anEvent({
      id: id(),
      cart_id: cart,
      stage: 'checkout',
      step: `wait_${i}`,
      occurred_at: longAgo,
    });
    lane().push({ at: at(), events: [event] });
    expected.set(cart, { cartId: cart, kind: 'stalled', state: 'open', channel: CHANNELS.ops, count: 1 });
  }

  for (const own of lanes) sortKeepingDependencies(own);
  const acknowledged = [...expected.values()].filter((e) => e.state === 'acknowledged').map((e) => e.cartId);
  return { lanes, expected, suppressed, acknowledged };
}

/** By time; a lane's fix was pushed after its failure with a later time, so order by time keeps it. */
function sortKeepingDependencies(requests: ScriptedRequest[]): void {
  requests.sort((a, b) => a.at - b.at);
}

/**
 * Traffic that implies no exception: carts moving through checkout, payment and fulfillment now,
 * in batches of one to twenty events (a lane's own carts, so each cart's events stay in order).
 */
export class Filler {
  private n = 0;

  constructor(
    private readonly lane: number,
    private readonly tag: string,
  ) {}

  next(random: SeededRandom): WireEvent[] {
    const size = random.chance(0.5) ? 1 : random.int(2, 21);
    return Array.from({ length: size }, () => {
      const n = this.n++;
      const cart = `flow_${this.lane}_${Math.floor(n / 3)}_${this.tag}`;
      const [stage, step] = FLOW[n % 3] as [string, string];
      return anEvent({
        id: `flow_${this.tag}_${this.lane}_${n}`,
        cart_id: cart,
        stage,
        step,
        status: 'succeeded',
        occurred_at: new Date().toISOString(),
      });
    });
  }
}

const FLOW = [
  ['checkout', 'open'],
  ['payment', 'authorize'],
  ['fulfillment', 'ship'],
] as const;

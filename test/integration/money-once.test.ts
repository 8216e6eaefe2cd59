import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { postCommand } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

// The built-in rules: payment SLA 10m, and payment.capture expected within 15m of payment.authorize.
const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
let clock: TestClock;

beforeEach(async () => {
  clock = new TestClock(T0);
  app = await startSlackTestApp({ clock });
});
afterEach(async () => {
  await app.stop();
});

async function sweepAt(ms: number) {
  clock.set(iso(ms));
  await app.running.detectNow();
  await app.running.sweepNow();
  app.running.sendNow();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const roots = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
const authorized = (cart: string) =>
  anEvent({
    cart_id: cart,
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    amount: { value: 8675, currency: 'USD' },
    occurred_at: iso(T0),
  });

async function overviewText(): Promise<string> {
  const res = await postCommand(app.url, '');
  return JSON.stringify(await res.json());
}

describe('one stuck cart is one exception, and its money is counted once', () => {
  it('when a capture never comes, then the SLA stall and the missing step are one exception with both reasons, and every total shows the cart once', async () => {
    await app.postEvents(authorized('cart_stuck'));
    await sweepAt(T0 + 11 * MINUTE);
    await sweepAt(T0 + 16 * MINUTE);

    const stored = await app.running.store.exceptionsOfCart('cart_stuck');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      kind: 'stalled',
      stage: 'payment',
      errorCode: 'expected_step_missing',
      amount: { value: 8675, currency: 'USD' },
      amountFrom: 'cart',
    });
    expect(stored[0]?.errorMessage).toContain('SLA is 10m');
    expect(stored[0]?.errorMessage).toContain('payment.capture did not follow payment.authorize within 15m');
    const thread = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts !== undefined);
    await waitFor(() => thread().some((c) => String(c.args.text).startsWith('Also: payment.capture')), {
      what: "the missing step's reason in the stall's thread",
    });
    expect(roots()).toHaveLength(1);

    const overview = await overviewText();
    expect(overview).toContain('1 open');
    expect(overview).toContain('USD 86.75');
    expect(overview).not.toContain('USD 173.50');
    const digest = await app.running.digests.factsFor('payments');
    expect(digest.valueAtRisk).toEqual([{ value: 8675, currency: 'USD' }]);
  });

  it('when the merged stall is settled by the capture, then it resolves itself', async () => {
    await app.postEvents(authorized('cart_late_capture'));
    await sweepAt(T0 + 16 * MINUTE);
    await app.postEvents(
      anEvent({
        cart_id: 'cart_late_capture',
        step: 'capture',
        status: 'succeeded',
        occurred_at: iso(T0 + 17 * MINUTE),
      }),
    );
    await sweepAt(T0 + 18 * MINUTE);
    const [stall] = await app.running.store.exceptionsOfCart('cart_late_capture');
    expect(stall).toMatchObject({ state: 'resolved', resolution: 'auto' });
  });

  it("when a paid cart's fulfilment fails without an amount, then the exception shows the cart's value and says where it came from, counted once beside its stall", async () => {
    await app.postEvents([
      authorized('cart_paid'),
      anEvent({ cart_id: 'cart_paid', step: 'capture', status: 'succeeded', occurred_at: iso(T0 + MINUTE) }),
      anEvent({
        cart_id: 'cart_paid',
        stage: 'fulfillment',
        step: 'ship',
        status: 'failed',
        source: 'wms',
        error: { code: 'carrier_rejected' },
        occurred_at: iso(T0 + 2 * MINUTE),
      }),
    ]);
    await sweepAt(T0 + 3 * MINUTE);
    await sweepAt(T0 + 4 * MINUTE);
    const [failure] = await app.running.store.exceptionsOfCart('cart_paid');
    expect(failure).toMatchObject({
      kind: 'failed',
      amount: { value: 8675, currency: 'USD' },
      amountFrom: 'cart',
    });
    await waitFor(() => roots().some((c) => c.args.channel === 'C0FULFIL'), {
      what: 'the fulfilment failure posted',
    });
    const post = roots().find((c) => c.args.channel === 'C0FULFIL');
    expect(JSON.stringify(post?.blocks)).toContain("USD 86.75 (the cart's value)");

    // A second exception of the same cart in another team's stage: the grand total still counts it once.
    const db = new Database(app.dbPath);
    db.prepare(
      `INSERT INTO exceptions (dedup_key, kind, state, cart_id, stage, step, amount_value, amount_currency, team,
        channel, route_reason, first_seen_at, last_seen_at, raised_at, count)
       VALUES ('manual', 'failed', 'open', 'cart_paid', 'order', 'create', 8675, 'USD', 'ops', 'C0OPS', 'test', ?, ?, ?, 1)`,
    ).run(T0, T0, T0);
    db.close();
    expect(await overviewText()).toContain('At risk in all: USD 86.75');
  });
});

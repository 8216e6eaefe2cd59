import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_NOISE } from '../../src/config/cartwatch-config.js';
import type { NoiseConfig } from '../../src/domain/noise.js';
import { RetentionService } from '../../src/services/retention.js';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { postCommand } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const running: SlackTestApp[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
});

async function start(clock: TestClock, noise: NoiseConfig): Promise<SlackTestApp> {
  // No stall rules: the authorizations here are never followed by captures, and that is not the point.
  const app = await startSlackTestApp({ clock, config: { noise, expect: [], slaMs: {} } });
  running.push(app);
  return app;
}

const PSP_RULE: NoiseConfig = {
  suppress: [],
  rates: [
    {
      name: 'psp',
      match: { stage: ['payment'], step: ['authorize'] },
      windowMs: 15 * MINUTE,
      minAttempts: 40,
      above: 0.2,
    },
  ],
};

let batchNo = 0;
/** `ok` successes and `failed` failures of payment.authorize, each its own cart, occurring now. */
async function attempts(
  app: SlackTestApp,
  clock: TestClock,
  counts: { ok: number; failed: number; code?: string },
): Promise<void> {
  batchNo += 1;
  const event = (i: number, status: string) =>
    anEvent({
      cart_id: `cart_${batchNo}_${status}_${i}`,
      status,
      occurred_at: iso(clock.now()),
      amount: { value: 1000, currency: 'USD' },
      ...(status === 'failed' && { error: { code: counts.code ?? 'processing_error' } }),
    });
  const events = [
    ...Array.from({ length: counts.ok }, (_, i) => event(i, 'succeeded')),
    ...Array.from({ length: counts.failed }, (_, i) => event(i, 'failed')),
  ];
  expect((await app.postEvents(events)).status).toBe(202);
  await app.running.detectNow();
}

function rows<T>(app: SlackTestApp, sql: string): T[] {
  const db = new Database(app.dbPath, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const rateExceptions = (app: SlackTestApp) =>
  rows<{ id: number; state: string; team: string; error_message: string }>(
    app,
    "SELECT id, state, team, error_message FROM exceptions WHERE kind = 'rate' ORDER BY id",
  );
const ratePosts = (app: SlackTestApp) =>
  app.slack
    .callsOf('chat.postMessage')
    .filter((c) => String(c.args.text).startsWith('Failing too often') && c.args.thread_ts === undefined);
const metrics = async (app: SlackTestApp) => (await fetch(`${app.url}/metrics`)).text();

/** Sends what is queued and waits until the outbox has nothing left to send. */
async function drained(app: SlackTestApp): Promise<void> {
  app.running.sendNow();
  // Slack's pace spaces a rule's redraws and notes a second apart: a busy machine needs a while.
  await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
    what: 'the outbox',
    timeoutMs: 20_000,
  });
}

describe('suppression (built-in noise rules)', () => {
  it('when customers’ cards are declined, then the failures are stored, marked suppressed in timelines, counted in the digest and metrics, and never posted; a processing_error is still raised', async () => {
    const clock = new TestClock(T0);
    const app = await start(clock, DEFAULT_NOISE);
    const failed = (cart: string, code: string, extra: Record<string, unknown> = {}) =>
      anEvent({ cart_id: cart, status: 'failed', error: { code }, occurred_at: iso(T0), ...extra });
    await app.postEvents([
      failed('cart_declined', 'card_declined', { amount: { value: 4200, currency: 'USD' } }),
      failed('cart_broke', 'insufficient_funds'),
      failed('cart_psp', 'processing_error'),
    ]);
    await app.running.detectNow();
    await app.slack.waitForCalls('chat.postMessage', 1);
    await drained(app);

    const posts = app.slack.callsOf('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(String(posts[0]?.args.text)).toContain('cart_psp');
    expect(rows<{ cart_id: string }>(app, 'SELECT cart_id FROM exceptions')).toEqual([
      { cart_id: 'cart_psp' },
    ]);
    expect(rows(app, 'SELECT team, reason, n FROM suppressed_counts')).toEqual([
      { team: 'payments', reason: 'customer-caused', n: 2 },
    ]);

    const json = await app.getCart('cart_declined');
    expect(json.status).toBe(200);
    expect(json.body.events).toHaveLength(1);
    expect(json.body.events[0]).toMatchObject({ status: 'failed', suppressed: 'customer-caused' });
    expect(json.body.exceptions).toEqual([]);
    expect((await app.getCart('cart_psp')).body.events[0].suppressed).toBeUndefined();

    const reply = await (await postCommand(app.url, 'cart_declined')).json();
    const timeline = JSON.stringify(reply.blocks);
    expect(timeline).toContain('payment.authorize failed `card_declined` · _suppressed: customer-caused_');

    const text = await metrics(app);
    expect(text).toContain('cartwatch_suppressed_total{reason="customer-caused",instance="test"} 2');

    clock.advance(HOUR);
    const facts = await app.running.digests.factsFor('payments');
    expect(facts.suppressed).toEqual([{ reason: 'customer-caused', count: 2 }]);
    expect(facts.rates).toEqual([{ rule: 'payment', rate: 0, attempts: 0, threshold: 0.2 }]);
    expect(await app.running.digests.run('payments', { evenOnFirstDay: true })).toBe('posted');
    app.running.sendNow();
    const [, digest] = await app.slack.waitForCalls('chat.postMessage', 2);
    const digestText = JSON.stringify(digest?.blocks);
    expect(digestText).toContain('*Suppressed:* 2 customer-caused');
    expect(digestText).toContain('*Failure rates:* `payment` normal, 0% of 0 attempts (threshold 20%)');
  });

  it('when a raised failure is followed by a suppressed decline and then a success, then the success still resolves what was open', async () => {
    const clock = new TestClock(T0);
    const app = await start(clock, DEFAULT_NOISE);
    const step = (status: string, minute: number, code?: string) =>
      anEvent({
        cart_id: 'cart_retry',
        status,
        occurred_at: iso(T0 + minute * MINUTE),
        ...(code && { error: { code } }),
      });
    await app.postEvents([step('failed', 0, 'processing_error'), step('failed', 1, 'card_declined')]);
    await app.running.detectNow();
    await app.postEvents(step('succeeded', 2));
    await app.running.detectNow();
    expect(rows(app, 'SELECT error_code, state, resolution FROM exceptions')).toEqual([
      { error_code: 'processing_error', state: 'resolved', resolution: 'auto' },
    ]);
  });

  it('when a stall matches a suppress rule, then it is counted and never raised', async () => {
    const clock = new TestClock(T0);
    const app = await startSlackTestApp({
      clock,
      config: {
        slaMs: { checkout: 30 * MINUTE },
        noise: {
          suppress: [{ match: { stage: ['checkout'], kind: ['stalled'] }, reason: 'abandoned' }],
          rates: [],
        },
      },
    });
    running.push(app);
    await app.postEvents(
      anEvent({
        cart_id: 'cart_left',
        stage: 'checkout',
        step: 'open',
        status: 'started',
        occurred_at: iso(T0),
      }),
    );
    await app.running.detectNow();
    clock.advance(31 * MINUTE);
    await app.running.sweepNow();
    await app.running.sweepNow();
    expect(rows(app, 'SELECT id FROM exceptions')).toEqual([]);
    expect(rows(app, 'SELECT reason, n FROM suppressed_counts')).toEqual([{ reason: 'abandoned', n: 1 }]);
    expect(await metrics(app)).toContain('cartwatch_suppressed_total{reason="abandoned",instance="test"} 1');
  });
});

describe('failure-rate rules', () => {
  it('when 40% of enough attempts fail with processing_error, then one rate exception is raised, once, with failures, rate, threshold, top codes, carts and value', async () => {
    const clock = new TestClock(T0);
    const app = await start(clock, PSP_RULE);
    for (let minute = 0; minute < 5; minute++) {
      await attempts(app, clock, { ok: 6, failed: 4 });
      clock.advance(MINUTE);
    }
    await app.running.sweepNow();
    await app.running.sweepNow();
    await waitFor(() => ratePosts(app).length === 1, { what: 'the rate exception' });
    await drained(app);

    expect(rateExceptions(app)).toEqual([
      {
        id: expect.any(Number),
        state: 'open',
        team: 'payments',
        error_message: '20 of 50 attempts failed in the last 15m (40%; threshold 20%).',
      },
    ]);
    const [post] = ratePosts(app);
    expect(post?.args.channel).toBe('C0PAYMENTS');
    const blocks = JSON.stringify(post?.blocks);
    expect(blocks).toContain('Failing too often: payment.authorize');
    expect(blocks).toContain('*Failures*\\n20 of 50 attempts in the last 15m');
    expect(blocks).toContain('*Rate*\\n40% against the 20% threshold');
    expect(blocks).toContain('*Top errors*\\n`processing_error` 20');
    expect(blocks).toContain('`cart_');
    expect(blocks).toContain('and 15 more');
    expect(blocks).toContain('*Value at risk*\\nUSD 200.00');
    expect(await metrics(app)).toContain('cartwatch_rate_exceptions_total{rule="psp",instance="test"} 1');
  });

  it('when fewer attempts than min_attempts fail, however often, then no rate exception is raised', async () => {
    const clock = new TestClock(T0);
    const app = await start(clock, PSP_RULE);
    await attempts(app, clock, { ok: 9, failed: 30 });
    await app.running.sweepNow();
    expect(rateExceptions(app)).toEqual([]);
  });

  it('when the previous days failed at the same rate, then a baseline rule does not fire', async () => {
    const clock = new TestClock(T0 - DAY);
    const rule = PSP_RULE.rates[0];
    if (rule === undefined) throw new Error('no rule');
    const app = await start(clock, { suppress: [], rates: [{ ...rule, baseline: 2 }] });
    await attempts(app, clock, { ok: 60, failed: 40 });
    clock.set(iso(T0));
    await attempts(app, clock, { ok: 30, failed: 20 });
    await app.running.sweepNow();
    expect(rateExceptions(app)).toEqual([]);
    const facts = await app.running.digests.factsFor('payments');
    expect(facts.rates).toEqual([{ rule: 'psp', rate: 0.4, attempts: 50, threshold: 0.8 }]);
  });

  it('when a breached rate dips below the lower level once and rises again, then nothing flaps; it resolves only after a whole window below', async () => {
    const clock = new TestClock(T0);
    const app = await start(clock, PSP_RULE);
    // Minutes pass between sweeps, and Slack gets what was queued before the clock jumps them: a
    // send still under way when the clock leaps past its lease would look abandoned.
    const sweepAt = async (minute: number) => {
      await drained(app);
      clock.set(iso(T0 + minute * MINUTE));
      await app.running.sweepNow();
    };
    await attempts(app, clock, { ok: 30, failed: 20 });
    await sweepAt(1);
    expect(rateExceptions(app).map((e) => e.state)).toEqual(['open']);

    // The dip: 10% (under the 15% lower level), then 25% again before a window has passed.
    clock.set(iso(T0 + 5 * MINUTE));
    await attempts(app, clock, { ok: 150, failed: 0 });
    await sweepAt(5);
    clock.set(iso(T0 + 7 * MINUTE));
    await attempts(app, clock, { ok: 0, failed: 40 });
    await sweepAt(7);
    await sweepAt(21);
    expect(rateExceptions(app).map((e) => e.state)).toEqual(['open']);

    // Calm from minute 23 (the failures have left the window): resolved a whole window later, not before.
    clock.set(iso(T0 + 23 * MINUTE));
    await attempts(app, clock, { ok: 50, failed: 0 });
    await sweepAt(23);
    clock.set(iso(T0 + 30 * MINUTE));
    await attempts(app, clock, { ok: 50, failed: 0 });
    await sweepAt(37);
    expect(rateExceptions(app).map((e) => e.state)).toEqual(['open']);
    await sweepAt(38);
    expect(rateExceptions(app).map((e) => e.state)).toEqual(['resolved']);
    await sweepAt(39);
    expect(rateExceptions(app)).toHaveLength(1);
    await drained(app);
    expect(ratePosts(app)).toHaveLength(1);
    const last = app.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === ratePosts(app)[0]?.reply?.ts)
      .at(-1);
    const text = JSON.stringify(last?.blocks);
    expect(text).toContain('Resolved automatically: the failure rate stayed below its lower level');
    expect(text).toContain('0 of 50 attempts');
  });

  it('when customer declines, suppressed one by one, jump from 8% to 40%, then the built-in payment rule raises a rate exception and nothing else', async () => {
    const clock = new TestClock(T0 - DAY);
    const app = await start(clock, DEFAULT_NOISE);
    await attempts(app, clock, { ok: 92, failed: 8, code: 'card_declined' });
    clock.set(iso(T0));
    await attempts(app, clock, { ok: 30, failed: 20, code: 'card_declined' });
    await app.running.sweepNow();
    await waitFor(() => ratePosts(app).length === 1, { what: 'the rate exception' });
    await drained(app);

    expect(rows(app, 'SELECT kind, team FROM exceptions')).toEqual([{ kind: 'rate', team: 'payments' }]);
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(1);
    const blocks = JSON.stringify(ratePosts(app)[0]?.blocks);
    expect(blocks).toContain('Failing too often: payment.*');
    expect(blocks).toContain("*Rate*\\n40% against 20%: the higher of 20% and the last 7 days' 8% × 2");
    expect(blocks).toContain('`card_declined` 20');
  });
});

describe('noise counts and retention', () => {
  it('when retention runs, then per-minute noise counts older than 8 days go and the rest stay', async () => {
    const clock = new TestClock(T0 - 9 * DAY);
    const app = await start(clock, DEFAULT_NOISE);
    await attempts(app, clock, { ok: 1, failed: 1, code: 'card_declined' });
    clock.set(iso(T0 - 7 * DAY));
    await attempts(app, clock, { ok: 1, failed: 1, code: 'card_declined' });
    clock.set(iso(T0));
    await new RetentionService({ store: app.running.store, clock, retentionDays: 90 }).pruneNow();
    const minutes = (table: string) => rows<{ minute: number }>(app, `SELECT minute FROM ${table}`);
    for (const table of ['rate_counts', 'rate_errors', 'suppressed_counts'])
      expect(minutes(table)).toEqual([{ minute: T0 - 7 * DAY }]);
  });
});

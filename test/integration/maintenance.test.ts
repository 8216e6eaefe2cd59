import { afterEach, describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '../../src/domain/noise.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { failure, rootPosts } from '../support/noise.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { waitFor } from '../support/wait-for.js';

// A Friday, 09:00 UTC.
const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
let clock: TestClock;

afterEach(async () => {
  await app.stop();
});

/** Every Friday 09:00-11:00 UTC, over what the ops team owns in checkout and payment. */
const WINDOW: MaintenanceWindow = {
  name: 'Checkout freeze',
  match: { team: ['ops'], stage: ['checkout'] },
  kind: 'weekly',
  weekday: 5,
  time: '09:00',
  forMs: 2 * HOUR,
  timezone: 'UTC',
};

async function start(maintenance: MaintenanceWindow[] = [WINDOW]) {
  clock = new TestClock(T0);
  app = await startSlackTestApp({ clock, config: { maintenance } });
}

async function sweepAt(ms: number) {
  clock.set(iso(ms));
  await app.running.detectNow();
  await app.running.sweepNow();
  app.running.sendNow();
  await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
    what: 'the outbox to drain',
  });
}

const checkoutStarted = (cart: string, at: number) =>
  anEvent({ cart_id: cart, stage: 'checkout', step: 'submit', status: 'started', occurred_at: iso(at) });

describe('maintenance windows', () => {
  it('when an SLA stall falls due inside a weekly window, then it is held back, and raised when the window closes if the cart is still stuck', async () => {
    await start();
    await app.postEvents([
      checkoutStarted('cart_stuck', T0 + 5 * MINUTE),
      checkoutStarted('cart_moves', T0 + 5 * MINUTE),
    ]);
    // Both fall due at 09:35 (checkout's SLA is 30m), inside the window.
    await sweepAt(T0 + 40 * MINUTE);
    expect(rootPosts(app)).toHaveLength(0);
    expect(await app.running.store.exceptionsOfCart('cart_stuck')).toEqual([]);
    expect((await app.running.store.cartState('cart_stuck'))?.stallDueAt).toBe(T0 + 2 * HOUR);
    expect((await app.running.store.activeSilences(clock.now())).map((s) => s.reason)).toEqual([
      'Checkout freeze',
    ]);

    // One cart moves on during the window; the other is still stuck when it closes.
    await app.postEvents(
      anEvent({
        cart_id: 'cart_moves',
        stage: 'order',
        step: 'create',
        status: 'succeeded',
        occurred_at: iso(T0 + HOUR),
      }),
    );
    await sweepAt(T0 + 2 * HOUR - MINUTE);
    expect(rootPosts(app)).toHaveLength(0);

    await sweepAt(T0 + 2 * HOUR + MINUTE);
    const posted = rootPosts(app).map((c) => c.args.text);
    expect(posted).toEqual([
      "🔔 Maintenance 'Checkout freeze' ended: nothing matched while it held.",
      expect.stringContaining('Stalled: checkout.submit · cart cart_stuck'),
    ]);
    await sweepAt(T0 + 2 * HOUR + 2 * MINUTE);
    expect(rootPosts(app)).toHaveLength(2);
  });

  it('when a failure is raised inside a window, then it is held back like a silence and posted, after a summary, when the window closes', async () => {
    await start();
    await app.postEvents(failure('cart_c', { stage: 'checkout', step: 'submit' }));
    await sweepAt(T0 + 10 * MINUTE);
    expect(rootPosts(app)).toHaveLength(0);
    const [held] = await app.running.store.exceptionsOfCart('cart_c');
    expect(held?.silenceId).toBeDefined();

    await sweepAt(T0 + 2 * HOUR);
    expect(rootPosts(app, 'C0OPS').map((c) => c.args.text)).toEqual([
      "🔔 Maintenance 'Checkout freeze' ended: 1 exception while it held, 1 still open, posted below.",
      expect.stringContaining('cart cart_c'),
    ]);
    const audit = await app.running.store.silenceAudit(held?.silenceId ?? 0);
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['created', 'maintenance'],
      ['ended', 'maintenance'],
    ]);
  });

  it('when a source goes silent inside a one-off window over every team, then nothing is raised until it closes, and then it is', async () => {
    clock = new TestClock(T0);
    const window: MaintenanceWindow = {
      name: 'Catalog rebuild',
      match: { source: ['catalog-sync'] },
      kind: 'once',
      fromAt: T0,
      untilAt: T0 + HOUR,
    };
    app = await startSlackTestApp({
      clock,
      config: { maintenance: [window], sources: { 'catalog-sync': { everyMs: 10 * MINUTE } } },
    });
    await sweepAt(T0 + 30 * MINUTE);
    expect(rootPosts(app)).toHaveLength(0);
    await sweepAt(T0 + HOUR + MINUTE);
    // Over every team and holding nothing back, it ends without a summary; the silent source is raised.
    expect(rootPosts(app).map((c) => c.args.text)).toEqual([expect.stringContaining('Source went silent')]);
  });
});

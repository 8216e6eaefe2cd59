import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';

// Storms are judged by when Cartwatch raises exceptions, not by when their events occurred.
const T0 = Date.parse('2026-11-27T09:00:00.000Z');
let app: SlackTestApp;
let clock: TestClock;

beforeEach(async () => {
  clock = new TestClock(T0);
  app = await startSlackTestApp({
    clock,
    tuning: { grouping: { min: 5, windowMs: 5 * MINUTE, waitMs: 10_000 } },
  });
});
afterEach(async () => {
  await app.stop();
});

const orderFailure = (cart: string, occurredAt: number) =>
  anEvent({
    cart_id: cart,
    stage: 'order',
    step: 'create',
    status: 'failed',
    source: 'order-service',
    error: { code: 'order_service_timeout' },
    occurred_at: new Date(occurredAt).toISOString(),
  });

async function settle(advanceMs = 0) {
  clock.advance(advanceMs);
  await app.running.detectNow();
  app.running.sendNow();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const roots = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);

/** What the storm message says now: its latest edit, else the post. */
function latestText(): string {
  const root = roots().find((c) => /carts:/.test(c.args.text));
  const edits = app.slack.callsOf('chat.update').filter((c) => c.args.ts === root?.reply?.ts);
  return String((edits.at(-1) ?? root)?.args.text);
}

/** 150 failures in six deliveries ten seconds apart, each event `offsetMs` from the moment it arrives. */
async function drain(offsetMs: (i: number) => number) {
  for (let batch = 0; batch < 6; batch += 1) {
    const events = Array.from({ length: 25 }, (_, i) => {
      const n = batch * 25 + i;
      return orderFailure(`late_${n}`, clock.now() + offsetMs(n));
    });
    expect((await app.postEvents(events)).status).toBe(202);
    await settle(10_000);
  }
  await settle(MINUTE);
}

describe('storms judged by when they are raised', () => {
  it("when a producer's queue drains 150 failures that happened 40 minutes ago within a minute, then the channel gets one storm message, not 150", async () => {
    await drain((n) => -40 * MINUTE + n * 1000);
    expect(roots()).toHaveLength(1);
    // No amounts and no known cart values: the text says nothing of money rather than "— at risk".
    expect(latestText()).toBe('150 carts: order.create order_service_timeout (150 open)');
    const stored = await app.running.store.exceptionsOfCart('late_149');
    expect(stored[0]?.groupId).toBeDefined();
    // It keeps when it happened: the sixth delivery came 50 s in.
    expect(stored[0]?.firstSeenAt).toBe(T0 + 50_000 - 40 * MINUTE + 149_000);
  });

  it('when a producer with a clock two hours fast sends a storm, then it is grouped all the same', async () => {
    await drain(() => 2 * HOUR);
    expect(roots()).toHaveLength(1);
    expect(latestText()).toContain('150 carts');
  });

  it('when old failures are imported one by one over hours of event time, then they still form one storm', async () => {
    const events = Array.from({ length: 12 }, (_, i) =>
      orderFailure(`old_${i}`, T0 - 3 * HOUR + i * 20 * MINUTE),
    );
    for (const event of events) await app.postEvents(event);
    await settle();
    await settle(MINUTE);
    expect(roots()).toHaveLength(1);
    expect(latestText()).toContain('12 carts');
  });

  it('when a failure recovers (its retry succeeds) before its short wait is over, then it is kept on the record and never posted', async () => {
    await app.postEvents(orderFailure('retried', clock.now()));
    await settle();
    await app.postEvents(
      anEvent({
        cart_id: 'retried',
        stage: 'order',
        step: 'create',
        source: 'order-service',
        occurred_at: new Date(clock.now() + 4000).toISOString(),
      }),
    );
    await settle(5000);
    await settle(MINUTE);
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(0);
    const [stored] = await app.running.store.exceptionsOfCart('retried');
    expect(stored).toMatchObject({ state: 'resolved', resolution: 'auto' });
  });

  it('when failures keep coming and each recovers by itself, then they add up to one storm that stays one message while they last', async () => {
    for (let minute = 0; minute < 8; minute += 1) {
      for (let i = 0; i < 2; i += 1) {
        const cart = `flaky_${minute}_${i}`;
        await app.postEvents(orderFailure(cart, clock.now()));
        await settle();
        await settle(15_000);
        // The retry works, after the short wait: each was posted alone, or joined the storm.
        await app.postEvents(
          anEvent({
            cart_id: cart,
            stage: 'order',
            step: 'create',
            source: 'order-service',
            occurred_at: new Date(clock.now()).toISOString(),
          }),
        );
        await settle(15_000);
      }
    }
    // Four lone posts before the storm formed, then the storm: not one post per failure.
    expect(roots()).toHaveLength(5);
    expect(latestText()).toMatch(/^1[0-9] carts: order.create order_service_timeout \(0 open\)/);
  });
});

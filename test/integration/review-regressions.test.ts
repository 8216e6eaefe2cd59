import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION } from '../../src/slack/ids.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
afterEach(async () => {
  await app.stop();
});

const roots = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
const declined = (cart: string, overrides: Record<string, unknown> = {}) =>
  anEvent({ cart_id: cart, status: 'failed', error: { code: 'card_declined' }, ...overrides });

describe('outbox ordering', () => {
  it('when a flapping exception is acknowledged, then the update goes out at once, not behind the batched repeat note', async () => {
    const clock = new TestClock(T0);
    app = await startSlackTestApp({ clock });
    await app.postEvents(declined('f'));
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    await app.postEvents(declined('f', { occurred_at: iso(T0 + 1000) }));
    await app.slack.waitForCalls('chat.postMessage', 2); // the first "seen again" note
    clock.advance(20_000);
    await app.postEvents(declined('f', { occurred_at: iso(T0 + 20_000) })); // its note now waits ~5 minutes
    await app.running.detectNow();
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(
      app.url,
      buttonPayload({
        actionId: ACTION.acknowledge,
        value: JSON.stringify({ ...JSON.parse(value), rev: 0 }),
      }),
    );
    await waitFor(
      () =>
        app.slack.callsOf('chat.update').some((c) => JSON.stringify(c.blocks).includes('Acknowledged by')),
      {
        what: 'the acknowledged message',
      },
    );
  });

  it('when one channel has a queue of posts, then another channel is not kept waiting behind it', async () => {
    app = await startSlackTestApp({ tuning: { postIntervalMs: 1000 } });
    await app.postEvents(
      ['a1', 'a2', 'a3', 'a4'].map((cart) => declined(cart, { error: { code: `e_${cart}` } })),
    );
    await app.slack.waitForCalls('chat.postMessage', 1);
    await app.postEvents(anEvent({ cart_id: 'o1', stage: 'order', step: 'create', status: 'failed' }));
    await waitFor(() => roots().some((c) => c.args.channel === 'C0OPS'), {
      what: 'the ops post',
      timeoutMs: 1500,
    });
    expect(roots().filter((c) => c.args.channel === 'C0PAYMENTS').length).toBeLessThan(4);
  });
});

describe('storms and keys', () => {
  it('when like failures belong to different teams, then they are not grouped together', async () => {
    const routes = [{ match: { source: ['adyen'] }, team: 'ops' }, ...DEFAULT_CONFIG.routes];
    app = await startSlackTestApp({
      config: { routes },
      tuning: { grouping: { min: 3, windowMs: 5 * MINUTE, waitMs: 0 } },
    });
    await app.postEvents([
      declined('p1'),
      declined('p2'),
      declined('p3'),
      declined('x1', { source: 'adyen' }),
    ]);
    await waitFor(() => roots().length >= 2, { what: 'two messages' });
    const channels = roots().map((c) => c.args.channel);
    expect(channels.sort()).toEqual(['C0OPS', 'C0PAYMENTS']);
    expect(roots().find((c) => c.args.channel === 'C0PAYMENTS')?.args.text).toContain('3 carts');
  });

  it('when a failure arrives after its cart already succeeded in that stage, then it is recorded resolved and nobody is pinged', async () => {
    app = await startSlackTestApp();
    await app.postEvents(anEvent({ cart_id: 'ok', status: 'succeeded', occurred_at: iso(T0 + MINUTE) }));
    await app.postEvents(declined('ok', { occurred_at: iso(T0) }));
    await app.running.detectNow();
    const [exception] = await app.running.store.exceptionsOfCart('ok');
    expect(exception).toMatchObject({ state: 'resolved', resolution: 'auto' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it("when a failure was raised under an order id before the cart was linked, then it moves to the cart and the cart's success resolves it", async () => {
    app = await startSlackTestApp();
    await app.postEvents(
      anEvent({
        cart_id: undefined,
        order_id: 'ord_9',
        stage: 'order',
        step: 'create',
        status: 'failed',
        error: { code: 'x' },
      }),
    );
    await app.running.detectNow();
    await app.postEvents(
      anEvent({
        cart_id: 'cart_9',
        order_id: 'ord_9',
        stage: 'checkout',
        step: 'submit',
        occurred_at: iso(T0 - MINUTE),
      }),
    );
    const [exception] = await app.running.store.exceptionsOfCart('cart_9');
    expect(exception?.dedupKey).toBe('failed:cart_9:order.create:x');
    await app.postEvents(
      anEvent({
        cart_id: 'cart_9',
        stage: 'order',
        step: 'create',
        status: 'succeeded',
        occurred_at: iso(T0 + MINUTE),
      }),
    );
    await app.running.detectNow();
    expect((await app.running.store.findException(exception?.id ?? 0))?.state).toBe('resolved');
  });
});

describe('sweeps and rendering', () => {
  it('when expectations were armed under a rule since removed from the config, then the sweep drops them and finishes', async () => {
    const clock = new TestClock(T0);
    app = await startSlackTestApp({ clock, config: { slaMs: {} } });
    const db = new Database(app.dbPath);
    const arm = db.prepare(
      "INSERT INTO expectations (cart_id, rule, after_at, due_at) VALUES (?, 'cart.add>cart.pay', 0, 1)",
    );
    for (let i = 0; i < 600; i++) arm.run(`cart_${i}`);
    db.close();
    await app.running.sweepNow();
    const check = new Database(app.dbPath, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM expectations').get()).toEqual({ n: 0 });
    check.close();
  });

  it('when a step name carries an e-mail address and a card number, then the plain-text header masks them too', async () => {
    app = await startSlackTestApp();
    await app.postEvents(declined('m', { step: 'jane.doe@example.com 4111 1111 1111 1111' }));
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const header = JSON.stringify(post?.blocks?.[0]);
    expect(header).not.toContain('jane.doe@example.com');
    expect(header).toContain('•••• 1111');
  });

  it("when an error message is dense with markup, then its escaped section stays within Slack's limit", async () => {
    app = await startSlackTestApp();
    await app.postEvents(declined('dense', { error: { code: 'x', message: '<&>'.repeat(333) } }));
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    for (const block of post?.blocks ?? [])
      if (block.text?.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION } from '../../src/slack/ids.js';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
let clock: TestClock;

afterEach(async () => {
  await app.stop();
});

async function start(config: Partial<typeof DEFAULT_CONFIG> = {}) {
  clock = new TestClock(T0);
  app = await startSlackTestApp({ clock, config });
}

/** Lets detection finish, then runs the sweep at the clock's time and sends the outbox. */
async function sweepAt(ms: number) {
  clock.set(iso(ms));
  await app.running.detectNow();
  await app.running.sweepNow();
  app.running.sendNow();
  await new Promise((resolve) => setTimeout(resolve, 80));
}

const roots = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);

describe('stalls', () => {
  it('when a cart sits in checkout past its 30m SLA, then a stall is posted then and not before, and only once', async () => {
    await start();
    await app.postEvents(
      anEvent({
        cart_id: 'cart_s',
        stage: 'checkout',
        step: 'submit',
        status: 'started',
        occurred_at: iso(T0),
      }),
    );
    await sweepAt(T0 + 29 * MINUTE);
    expect(roots()).toHaveLength(0);
    await sweepAt(T0 + 31 * MINUTE);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args).toMatchObject({
      channel: 'C0OPS',
      text: expect.stringContaining('Stalled: checkout.submit'),
    });
    expect(JSON.stringify(post?.blocks)).toContain('sla_exceeded');
    await sweepAt(T0 + 40 * MINUTE);
    expect(roots()).toHaveLength(1);
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);
  });

  it('when the cart moves on, then its SLA stall resolves itself', async () => {
    await start();
    await app.postEvents(
      anEvent({
        cart_id: 'cart_m',
        stage: 'checkout',
        step: 'submit',
        status: 'started',
        occurred_at: iso(T0),
      }),
    );
    await sweepAt(T0 + 31 * MINUTE);
    await app.slack.waitForCalls('chat.postMessage', 1);
    await app.postEvents(
      anEvent({
        cart_id: 'cart_m',
        stage: 'payment',
        step: 'authorize',
        status: 'started',
        occurred_at: iso(T0 + 32 * MINUTE),
      }),
    );
    await app.running.detectNow();
    app.running.sendNow();
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Resolved automatically: the cart moved on');
  });

  it('when an event arrives already past its deadline, then it is due at the next sweep', async () => {
    await start();
    clock.set(iso(T0 + 3 * HOUR));
    await app.postEvents(
      anEvent({
        cart_id: 'cart_late',
        stage: 'checkout',
        step: 'submit',
        status: 'started',
        occurred_at: iso(T0),
      }),
    );
    await sweepAt(T0 + 3 * HOUR);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args.text).toContain('cart cart_late');
  });

  it('when payment.capture does not follow payment.authorize within 15m, then the missing step is posted, and resolves when it comes', async () => {
    await start({ slaMs: {} });
    await app.postEvents(
      anEvent({
        cart_id: 'cart_e',
        stage: 'payment',
        step: 'authorize',
        status: 'succeeded',
        occurred_at: iso(T0),
      }),
    );
    await sweepAt(T0 + 14 * MINUTE);
    expect(roots()).toHaveLength(0);
    await sweepAt(T0 + 16 * MINUTE);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args).toMatchObject({
      channel: 'C0PAYMENTS',
      text: expect.stringContaining('Stalled: payment.capture'),
    });
    expect(JSON.stringify(post?.blocks)).toContain('did not follow payment.authorize within 15m');
    await app.postEvents(
      anEvent({
        cart_id: 'cart_e',
        stage: 'payment',
        step: 'capture',
        status: 'succeeded',
        occurred_at: iso(T0 + 17 * MINUTE),
      }),
    );
    await app.running.detectNow();
    app.running.sendNow();
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Resolved automatically: the expected step arrived');
  });

  it('when the expected step comes in time, then nothing is posted', async () => {
    await start({ slaMs: {} });
    await app.postEvents([
      anEvent({
        cart_id: 'cart_ok',
        stage: 'payment',
        step: 'authorize',
        status: 'succeeded',
        occurred_at: iso(T0),
      }),
      anEvent({
        cart_id: 'cart_ok',
        stage: 'payment',
        step: 'capture',
        status: 'succeeded',
        occurred_at: iso(T0 + 5 * MINUTE),
      }),
    ]);
    await sweepAt(T0 + 20 * MINUTE);
    expect(roots()).toHaveLength(0);
  });
});

describe('backlogs and silent sources', () => {
  it('when more carts wait in fulfilment than allowed, then a backlog is posted, and it resolves when they drain', async () => {
    await start({ backlog: { fulfillment: { maxWaiting: 2 } }, slaMs: {} });
    const waiting = ['f1', 'f2', 'f3'].map((cart) =>
      anEvent({ cart_id: cart, stage: 'fulfillment', step: 'pick', status: 'started', occurred_at: iso(T0) }),
    );
    await app.postEvents(waiting);
    await sweepAt(T0 + MINUTE);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args).toMatchObject({
      channel: 'C0FULFIL',
      text: expect.stringContaining('Backlog: fulfillment.waiting'),
    });
    expect(JSON.stringify(post?.blocks)).toContain('3 carts waiting in fulfillment');
    await sweepAt(T0 + 2 * MINUTE);
    expect(roots()).toHaveLength(1);
    await app.postEvents(
      anEvent({
        cart_id: 'f1',
        stage: 'fulfillment',
        step: 'pick',
        status: 'succeeded',
        occurred_at: iso(T0 + 3 * MINUTE),
      }),
    );
    await sweepAt(T0 + 4 * MINUTE);
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Resolved automatically: the backlog drained');
  });

  it("when a backlog's Timeline is clicked, then the clicker sees the waiting carts, oldest first", async () => {
    await start({ backlog: { fulfillment: { maxWaiting: 2 } }, slaMs: {} });
    const started = (cart: string, at: number) =>
      anEvent({ cart_id: cart, stage: 'fulfillment', step: 'pick', status: 'started', occurred_at: iso(at) });
    await app.postEvents([started('w_new', T0), started('w_old', T0 - HOUR), started('w_mid', T0 - MINUTE)]);
    await sweepAt(T0 + MINUTE);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const timeline = post?.blocks
      ?.find((b) => b.type === 'actions')
      .elements.find((e: any) => e.action_id === ACTION.timeline);
    await postInteraction(
      app.url,
      buttonPayload({ actionId: ACTION.timeline, value: timeline.value, channel: 'C0FULFIL', user: 'U0BEN' }),
    );
    const [reply] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(reply?.args).toMatchObject({ channel: 'C0FULFIL', user: 'U0BEN' });
    const text = JSON.stringify(reply?.blocks);
    expect(text).toContain('3 carts waiting in fulfillment, oldest first');
    expect(text).not.toContain('not about one cart');
    const order = ['w_old', 'w_mid', 'w_new'].map((cart) => text.indexOf(cart));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain('waiting 1h 1m');
  });

  it('when a source that runs every 45 seconds goes quiet, then the message names its real interval', async () => {
    await start({ sources: { 'price-feed': { everyMs: 45_000 } } });
    await sweepAt(T0 + 2 * MINUTE);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(JSON.stringify(post?.blocks)).toContain('it should run every 45s');
  });

  it('when a watched source sends nothing for twice its interval, then it is posted, and resolves when it runs again', async () => {
    await start({ sources: { 'catalog-sync': { everyMs: HOUR } } });
    await sweepAt(T0 + 119 * MINUTE);
    expect(roots()).toHaveLength(0);
    await sweepAt(T0 + 121 * MINUTE);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args.text).toContain('Source went silent');
    expect(JSON.stringify(post?.blocks)).toContain('Nothing from catalog-sync for 2h 1m');
    await app.postEvents(
      anEvent({
        cart_id: undefined,
        sku: 'SKU-1',
        stage: 'catalog',
        step: 'sync',
        source: 'catalog-sync',
        occurred_at: iso(T0 + 122 * MINUTE),
      }),
    );
    await app.running.detectNow();
    app.running.sendNow();
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Resolved automatically: the source is sending again');
  });
});

describe('escalation and reminders', () => {
  const config = () => ({
    teams: {
      ...DEFAULT_CONFIG.teams,
      payments: { channel: 'C0PAYMENTS', timezone: 'UTC', mention: 'S0PAYTEAM' },
    },
    escalation: { afterMs: 15 * MINUTE, channel: 'C0MANAGERS', remindAcknowledgedAfterMs: 4 * HOUR },
  });
  const declined = () =>
    anEvent({ cart_id: 'cart_x', status: 'failed', error: { code: 'card_declined' }, occurred_at: iso(T0) });

  it("when nobody acknowledges, then the team is mentioned in the thread after 15m and it is listed on the team's board in the managers channel after 30m", async () => {
    await start(config());
    await app.postEvents(declined());
    await sweepAt(T0);
    const [root] = await app.slack.waitForCalls('chat.postMessage', 1);
    await sweepAt(T0 + 14 * MINUTE);
    expect(app.slack.callsOf('chat.postMessage').map((c) => c.args.text)).toHaveLength(1);
    await sweepAt(T0 + 16 * MINUTE);
    const posts = await app.slack.waitForCalls('chat.postMessage', 2);
    expect(posts[1]?.args).toMatchObject({
      thread_ts: root?.reply?.ts,
      text: expect.stringContaining('<!subteam^S0PAYTEAM>'),
    });
    await sweepAt(T0 + 31 * MINUTE);
    const all = await app.slack.waitForCalls('chat.postMessage', 3);
    // The payments board in the managers' channel, listing it with a link to its message.
    expect(all[2]?.args.channel).toBe('C0MANAGERS');
    expect(all[2]?.args.text).toBe('payments team: 1 unacknowledged past the limit');
    const board = JSON.stringify(all[2]?.blocks);
    expect(board).toContain(
      `<https://fake.slack/archives/C0PAYMENTS/p${String(root?.reply?.ts).replace('.', '')}|Failed payment.authorize card_declined> · cart \`cart_x\``,
    );
    expect(board).toContain(`<!date^${Math.floor(T0 / 1000)}^{ago}|31m ago>`);
    await sweepAt(T0 + 90 * MINUTE);
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(3);
    // A mention notifies the group; the reply need not also land in the channel.
    expect(posts[1]?.args.reply_broadcast).toBeUndefined();
  });

  it('when a team has no one to mention, then its escalation is a thread reply also sent to the channel', async () => {
    await start({ escalation: config().escalation });
    await app.postEvents(declined());
    await sweepAt(T0);
    const [root] = await app.slack.waitForCalls('chat.postMessage', 1);
    await sweepAt(T0 + 16 * MINUTE);
    const posts = await app.slack.waitForCalls('chat.postMessage', 2);
    expect(posts[1]?.args).toMatchObject({
      channel: 'C0PAYMENTS',
      thread_ts: root?.reply?.ts,
      reply_broadcast: 'true',
      text: expect.stringContaining('The payments team: unacknowledged for 15m'),
    });
  });

  it('when acknowledged in time, then there is no escalation, but the assignee is reminded after 4h unresolved', async () => {
    await start(config());
    await app.postEvents(declined());
    await sweepAt(T0);
    const [root] = await app.slack.waitForCalls('chat.postMessage', 1);
    const value = root?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    clock.set(iso(T0 + 5 * MINUTE));
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0ANNA' }));
    await waitFor(async () => (await app.running.store.findException(1))?.state === 'acknowledged');
    const posted = (words: string) =>
      app.slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).includes(words));
    // The acknowledgement's thread note goes out at Slack's pace: wait for it rather than count around it.
    await waitFor(() => posted('acknowledged this').length === 1, { what: 'the acknowledgement note' });
    await sweepAt(T0 + 60 * MINUTE);
    expect(posted('unacknowledged for')).toEqual([]);
    await sweepAt(T0 + 4 * HOUR + 6 * MINUTE);
    await waitFor(() => posted('still yours').length === 1, { what: 'the reminder' });
    expect(posted('still yours')[0]?.args.text).toContain('<@U0ANNA>: still yours and unresolved after 4h');
    expect(posted('unacknowledged for')).toEqual([]);
  });
});

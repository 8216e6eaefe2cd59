import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const failure = (cart: string) =>
  anEvent({ cart_id: cart, status: 'failed', error: { code: 'card_declined' } });
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
});

async function start(options: Parameters<typeof startSlackTestApp>[0] = {}): Promise<SlackTestApp> {
  const app = await startSlackTestApp(options);
  running.push(app);
  return app;
}

async function health(app: SlackTestApp) {
  return (await fetch(`${app.url}/healthz`)).json() as Promise<any>;
}

describe('outbox', () => {
  it('when Slack answers 429 with Retry-After, then the post waits that long, is sent once, and health shows the degradation', async () => {
    const slack = await new FakeSlack().start();
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const app = await start({ slack });
    running.push(slack);
    const sentAt = Date.now();
    await app.postEvents(failure('cart_a'));
    await waitFor(async () => (await health(app)).slack.state === 'degraded', { what: 'degraded health' });
    const [post] = await slack.waitForCalls('chat.postMessage', 1, 4000);
    expect((post?.at ?? 0) - sentAt).toBeGreaterThanOrEqual(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect((await health(app)).outbox).toMatchObject({ pending: 0, failed: 0 });
    expect((await health(app)).slack.state).toBe('connected');
  });

  it('when Slack answers 429 to a chat.update, then every update waits out its Retry-After, whatever its channel, while new posts still go out', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    const app = await start({ slack });
    const shipping = (cart: string, status: string) =>
      anEvent({
        cart_id: cart,
        stage: 'fulfillment',
        step: 'ship',
        status,
        ...(status === 'failed' && { error: { code: 'carrier_down' } }),
      });
    await app.postEvents([failure('cart_a'), shipping('cart_b', 'failed')]);
    await slack.waitForCalls('chat.postMessage', 2, 4000);
    slack.failNext('chat.update', { status: 429, retryAfter: 2 });
    // Both recover: each message is drawn again, in two channels.
    await app.postEvents([
      anEvent({ cart_id: 'cart_a', status: 'succeeded' }),
      shipping('cart_b', 'succeeded'),
    ]);
    // The fake does not record a refused call: the moment its fault is used up stands for it.
    await waitFor(async () => !slack.faultPending('chat.update'), {
      what: 'the refused update',
      intervalMs: 5,
    });
    const refusedAt = Date.now();
    // A new exception is posted without waiting for the updates' rest.
    await app.postEvents(failure('cart_c'));
    const roots = () => slack.callsOf('chat.postMessage').filter((call) => call.args.thread_ts === undefined);
    await waitFor(async () => roots().length === 3, { what: "cart_c's post", timeoutMs: 4000 });
    expect((roots()[2]?.at ?? 0) - refusedAt).toBeLessThan(1500);
    const updates = await slack.waitForCalls('chat.update', 2, 6000);
    for (const update of updates) expect(update.at - refusedAt).toBeGreaterThanOrEqual(1800);
    // Both messages were drawn again once the rest was over, one in each channel.
    expect(new Set(updates.map((update) => update.args.channel)).size).toBe(2);
  });

  it('when Slack answers 429 more times than a failing call is tried, then the post still goes out: a 429 is never a reason to give up', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 0 }, 14);
    const app = await start({ slack });
    await app.postEvents(failure('cart_patient'));
    await slack.waitForCalls('chat.postMessage', 1, 6000);
    expect(slack.faultPending('chat.postMessage')).toBe(false);
    expect((await health(app)).outbox).toMatchObject({ pending: 0, failed: 0 });
  });

  it("when many messages must be redrawn at once, then chat.update keeps within the workspace's allowance: a burst, then the pace", async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    const app = await start({ slack, tuning: { updateBudget: { perMinute: 60, burst: 2 } } });
    const carts = ['cart_1', 'cart_2', 'cart_3', 'cart_4'];
    await app.postEvents(carts.map(failure));
    await slack.waitForCalls('chat.postMessage', 4, 6000);
    const recoveredAt = Date.now();
    await app.postEvents(carts.map((cart) => anEvent({ cart_id: cart, status: 'succeeded' })));
    const updates = await slack.waitForCalls('chat.update', 4, 8000);
    const after = updates.map((update) => update.at - recoveredAt);
    // Two at once, then one a second (60 a minute).
    expect(after[1] ?? 0).toBeLessThan(900);
    expect((after[2] ?? 0) - (after[0] ?? 0)).toBeGreaterThanOrEqual(900);
    expect((after[3] ?? 0) - (after[2] ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("when a channel's pace ends while other channels' posts are sent, then its held posts still go out in the order they were raised", async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    // The payments post is answered slowly: the fulfilment channel's pace ends meanwhile.
    slack.failNext('chat.postMessage', { delayMs: 300 }, 1, { channel: 'C0PAYMENTS' });
    const app = await start({ slack, tuning: { postIntervalMs: 100 } });
    const shipping = (cart: string, step: string) =>
      anEvent({
        cart_id: cart,
        stage: 'fulfillment',
        step,
        status: 'failed',
        error: { code: 'carrier_down' },
      });
    // Raised in this order, in one detection page: so claimed in one batch, in this order.
    await app.postEvents([
      shipping('c1', 'label'),
      shipping('c2', 'pick'),
      failure('c3'),
      shipping('c4', 'pack'),
    ]);
    const posts = await slack.waitForCalls('chat.postMessage', 4, 5000);
    const carts = (channel: string) =>
      posts.filter((p) => p.args.channel === channel).map((p) => /cart (c\d)/.exec(String(p.args.text))?.[1]);
    expect(carts('C0FULFIL')).toEqual(['c1', 'c2', 'c4']);
    expect(carts('C0PAYMENTS')).toEqual(['c3']);
  });

  it('when Slack answers 500, then the post is retried with backoff and sent once', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    slack.failNext('chat.postMessage', { status: 500 });
    const app = await start({ slack });
    await app.postEvents(failure('cart_b'));
    await slack.waitForCalls('chat.postMessage', 1, 4000);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('when Slack says the channel does not exist, then the post is given up with the reason shown in health', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const app = await start({ slack });
    await app.postEvents(failure('cart_c'));
    await waitFor(async () => (await health(app)).outbox.failed === 1, { what: 'a failed outbox row' });
    expect((await health(app)).outbox.lastError).toBe('channel_not_found');
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('when Slack posts a message but its answer is lost, then the retry finds that message instead of posting a second', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    slack.failNext('chat.postMessage', { dropReply: true });
    const app = await start({ slack, tuning: { slackTimeoutMs: 300 } });
    await app.postEvents(failure('cart_lost'));
    const [lost] = await slack.waitForCalls('chat.postMessage', 1);
    await slack.waitForCalls('conversations.history', 1, 5000);
    await waitFor(async () => (await app.running.store.findException(1))?.slackTs !== undefined, {
      what: 'the root ts recorded',
    });
    expect((await app.running.store.findException(1))?.slackTs).toBe(lost?.reply?.ts);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(slack.messagesIn('C0PAYMENTS')).toHaveLength(1);
    expect((await health(app)).outbox).toMatchObject({ pending: 0, failed: 0 });
  });

  it('when a post fails before reaching Slack, then it is posted without a lookup; every post carries its outbox id', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 0 });
    const app = await start({ slack });
    await app.postEvents(failure('cart_meta'));
    const [post] = await slack.waitForCalls('chat.postMessage', 1, 4000);
    expect(JSON.parse(post?.args.metadata)).toEqual({
      event_type: 'cartwatch_outbox',
      event_payload: { outbox_id: 1 },
    });
    expect(slack.callsOf('conversations.history')).toHaveLength(0);
  });

  it('when several exceptions land in one channel, then posts keep to about one per second', async () => {
    const app = await start({ tuning: { postIntervalMs: 1000 } });
    await app.postEvents([failure('cart_1'), failure('cart_2'), failure('cart_3')]);
    const posts = await app.slack.waitForCalls('chat.postMessage', 3, 5000);
    const gaps = posts.slice(1).map((post, i) => post.at - (posts[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('when Cartwatch restarts with posts still queued, then each is posted exactly once after the restart', async () => {
    const temp = tempDir();
    const dbPath = path.join(temp.dir, 'restart.db');
    const down = await new FakeSlack().start();
    down.failNext('chat.postMessage', { status: 500 }, 100);
    const first = await startSlackTestApp({ slack: down, dbPath });
    await first.postEvents([failure('cart_x'), failure('cart_y')]);
    await waitFor(async () => (await first.running.store.outboxHealth()).pending === 2, {
      what: 'queued posts',
    });
    await first.stop();
    await down.stop();

    const up = await new FakeSlack().start();
    running.push(up);
    const second = await start({ slack: up, dbPath });
    await up.waitForCalls('chat.postMessage', 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      up
        .callsOf('chat.postMessage')
        .map((c) => c.args.text)
        .sort(),
    ).toEqual([expect.stringContaining('cart cart_x'), expect.stringContaining('cart cart_y')]);
    expect(second.slack).toBe(up);
    temp.cleanup();
  });

  it("when an exception's message was deleted in Slack, then the next change posts it afresh and later ones edit the new message", async () => {
    const app = await start();
    await app.postEvents(failure('cart_gone'));
    const [first] = await app.slack.waitForCalls('chat.postMessage', 1);
    const buttonOf = (blocks: any[] | undefined, actionId: string) =>
      blocks?.find((b) => b.type === 'actions')?.elements.find((e: any) => e.action_id === actionId);
    // Someone deletes the message: Slack answers the edit with message_not_found.
    app.slack.failNext('chat.update', { error: 'message_not_found' });
    const ack = buttonOf(first?.blocks, ACTION.acknowledge);
    await postInteraction(
      app.url,
      buttonPayload({ actionId: ACTION.acknowledge, value: ack.value, messageTs: first?.reply?.ts }),
    );
    const roots = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    await waitFor(() => roots().length === 2, { what: 'the message posted afresh' });
    const again = roots()[1];
    expect(again?.args.text).toContain('cart cart_gone');
    expect(JSON.stringify(again?.blocks)).toContain('Acknowledged by <@U0ALICE>');
    // The thread note follows the new message, and the next change edits it.
    await waitFor(
      () => app.slack.callsOf('chat.postMessage').some((c) => c.args.thread_ts === again?.reply?.ts),
      { what: 'the acknowledgement in the new thread' },
    );
    const resolve = buttonOf(again?.blocks, ACTION.resolve);
    await postInteraction(
      app.url,
      buttonPayload({ actionId: ACTION.resolve, value: resolve.value, messageTs: again?.reply?.ts }),
    );
    await waitFor(() => app.slack.callsOf('chat.update').length === 2, { what: 'the resolved edit' });
    expect(app.slack.callsOf('chat.update')[1]?.args.ts).toBe(again?.reply?.ts);
    expect((await health(app)).outbox).toMatchObject({ failed: 0 });
    expect(roots()).toHaveLength(2);
  });
});

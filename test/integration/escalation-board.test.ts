import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CartwatchConfig, DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION } from '../../src/slack/ids.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

// Escalation: one living message per team in the escalation channel, not a post per exception.
const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const config: Partial<CartwatchConfig> = {
  teams: {
    ...DEFAULT_CONFIG.teams,
    payments: { channel: 'C0PAYMENTS', timezone: 'UTC', mention: 'S0PAYTEAM' },
  },
  escalation: { afterMs: 15 * MINUTE, channel: 'C0MANAGERS', remindAcknowledgedAfterMs: 4 * 60 * MINUTE },
};
const cleanups: (() => Promise<void> | void)[] = [];
let app: SlackTestApp;
let clock: TestClock;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: { slack?: FakeSlack; dbPath?: string; at?: number } = {}) {
  clock = new TestClock(options.at ?? T0);
  app = await startSlackTestApp({ clock, config, ...options });
  cleanups.push(() => app.stop());
}

/** Detection, then the sweep at `ms`, then the outbox drained of all that is due. */
async function sweepAt(ms: number) {
  clock.set(new Date(ms).toISOString());
  await app.running.detectNow();
  await app.running.sweepNow();
  await drained();
}

async function drained() {
  app.running.sendNow();
  await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
    what: 'the outbox drained',
  });
}

const failure = (cart: string, options: { stage?: string; step?: string; code?: string; value?: number }) =>
  anEvent({
    cart_id: cart,
    stage: options.stage ?? 'payment',
    step: options.step ?? 'authorize',
    status: 'failed',
    error: { code: options.code ?? 'processing_error' },
    amount: { value: options.value ?? 1000, currency: 'USD' },
    occurred_at: new Date(clock.now()).toISOString(),
  });

const managersPosts = () =>
  app.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0MANAGERS');

/** A board as last drawn: its latest edit, else its post. */
function drawn(post: SlackCall | undefined): SlackCall | undefined {
  const edits = app.slack
    .callsOf('chat.update')
    .filter((c) => c.args.channel === 'C0MANAGERS' && c.args.ts === post?.reply?.ts);
  return edits.at(-1) ?? post;
}
const linesOf = (call: SlackCall | undefined) => JSON.stringify(call?.blocks).match(/• /g)?.length ?? 0;

/** The message of the exception about `cart` in `channel`, and the value of its `actionId` button. */
function buttonOf(channel: string, cart: string, actionId: string): string {
  const root = app.slack
    .callsOf('chat.postMessage')
    .find(
      (c) =>
        c.args.channel === channel &&
        c.args.thread_ts === undefined &&
        String(c.args.text).includes(`cart ${cart} `),
    );
  return root?.blocks?.find((b) => b.type === 'actions')?.elements.find((e: any) => e.action_id === actionId)
    ?.value;
}

async function click(actionId: string, value: string) {
  await postInteraction(app.url, buttonPayload({ actionId, value, user: 'U0ANNA' }));
}

describe('the escalation board', () => {
  it('when ten exceptions of a team and a storm stay unacknowledged, then one board lists them and is updated in place as more pass the limit and as they are handled, ending "All caught up"', async () => {
    await start();
    // Ten unlike failures (no storm among them), the first two on one cart; and a storm of six.
    const singles = ['authorize', 'capture', 'refund', 'void', 'tokenize'].flatMap((step) =>
      ['processing_error', 'api_error'].map((code) => ({ step, code })),
    );
    const cartOf = (i: number) => (i < 2 ? 'shared' : `s${i}`);
    const single = (i: number) =>
      failure(cartOf(i), { ...(singles[i] as { step: string; code: string }), value: i < 2 ? 4000 : 1000 });
    await app.postEvents([0, 1, 2, 3, 4].map(single));
    await app.postEvents(
      ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((cart) => failure(cart, { code: 'rate_limit', value: 500 })),
    );
    await sweepAt(T0);
    clock.set(new Date(T0 + 5 * MINUTE).toISOString());
    await app.postEvents([5, 6, 7, 8, 9].map(single));
    await sweepAt(T0 + 5 * MINUTE);
    await sweepAt(T0 + 16 * MINUTE);
    await sweepAt(T0 + 21 * MINUTE);
    expect(managersPosts()).toHaveLength(0);

    // Past the limit: the first five and the storm, one line each, on one new message.
    await sweepAt(T0 + 31 * MINUTE);
    expect(managersPosts()).toHaveLength(1);
    const [post] = managersPosts();
    expect(post?.args.text).toBe('payments team: 11 unacknowledged past the limit, USD 100.00 at risk');
    expect(linesOf(post)).toBe(6);
    const first = JSON.stringify(post?.blocks);
    expect(first).toContain('Storm: 6 carts failing payment.authorize rate_limit');
    expect(first).toContain('Failed payment.capture processing_error> · cart `s2` · USD 10.00');
    expect(first).toMatch(
      /<https:\/\/fake\.slack\/archives\/C0PAYMENTS\/p\d+\|Failed payment\.authorize processing_error>/,
    );

    // The next five pass the limit: the same message, redrawn, oldest first.
    await sweepAt(T0 + 36 * MINUTE);
    expect(managersPosts()).toHaveLength(1);
    expect(drawn(post)?.args.text).toBe(
      'payments team: 16 unacknowledged past the limit, USD 150.00 at risk',
    );
    expect(linesOf(drawn(post))).toBe(11);
    const order = JSON.stringify(drawn(post)?.blocks);
    expect(order.indexOf('cart `s4`')).toBeLessThan(order.indexOf('cart `s5`'));

    // Acknowledged: off the board (its cart's value stays: another exception of that cart waits).
    await click(ACTION.acknowledge, buttonOf('C0PAYMENTS', 'shared', ACTION.acknowledge));
    await waitFor(() => linesOf(drawn(post)) === 10, { what: 'the acknowledged one gone' });
    expect(drawn(post)?.args.text).toBe(
      'payments team: 15 unacknowledged past the limit, USD 150.00 at risk',
    );

    await click(ACTION.resolve, buttonOf('C0PAYMENTS', 's5', ACTION.resolve));
    await waitFor(() => linesOf(drawn(post)) === 9, { what: 'the resolved one gone' });
    expect(drawn(post)?.args.text).toBe(
      'payments team: 14 unacknowledged past the limit, USD 140.00 at risk',
    );

    const storm = app.slack
      .callsOf('chat.postMessage')
      .find((c) => c.args.channel === 'C0PAYMENTS' && String(c.args.text).startsWith('6 carts'));
    const acknowledgeAll = storm?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await click(ACTION.acknowledgeAll, acknowledgeAll);
    await waitFor(() => linesOf(drawn(post)) === 8, { what: 'the storm gone' });
    expect(drawn(post)?.args.text).toBe('payments team: 8 unacknowledged past the limit, USD 110.00 at risk');

    // The rest resolve themselves: the board says so rather than vanishing.
    clock.set(new Date(T0 + 40 * MINUTE).toISOString());
    await app.postEvents(
      ['shared', 's2', 's3', 's4', 's6', 's7', 's8', 's9'].map((cart) =>
        anEvent({
          cart_id: cart,
          step: 'capture',
          status: 'succeeded',
          occurred_at: new Date(clock.now()).toISOString(),
        }),
      ),
    );
    await app.running.detectNow();
    await drained();
    await waitFor(() => drawn(post)?.args.text === 'payments team: all caught up', { what: 'all caught up' });
    expect(drawn(post)?.blocks?.[0].text.text).toBe('✅ All caught up: payments team');
    expect(managersPosts()).toHaveLength(1);
    expect(app.slack.messagesIn('C0MANAGERS')).toHaveLength(1);
    expect((await app.running.store.outboxHealth()).failed).toBe(0);
  });

  it('when two teams have exceptions past the limit, then each team has its own board, and handling one redraws only that board', async () => {
    await start();
    await app.postEvents([
      failure('p1', {}),
      failure('f1', { stage: 'fulfillment', step: 'pick', code: 'wms_timeout' }),
    ]);
    await sweepAt(T0);
    await sweepAt(T0 + 16 * MINUTE);
    await sweepAt(T0 + 31 * MINUTE);
    const posts = managersPosts();
    expect(posts.map((c) => c.args.text).sort()).toEqual([
      'fulfillment team: 1 unacknowledged past the limit, USD 10.00 at risk',
      'payments team: 1 unacknowledged past the limit, USD 10.00 at risk',
    ]);
    const fulfilment = posts.find((c) => String(c.args.text).startsWith('fulfillment'));
    const payments = posts.find((c) => String(c.args.text).startsWith('payments'));
    expect(JSON.stringify(fulfilment?.blocks)).toContain('Failed fulfillment.pick wms_timeout');

    await click(ACTION.acknowledge, buttonOf('C0FULFIL', 'f1', ACTION.acknowledge));
    await waitFor(() => drawn(fulfilment)?.args.text === 'fulfillment team: all caught up', {
      what: 'the fulfilment board caught up',
    });
    expect(drawn(payments)).toBe(payments);
    expect(managersPosts()).toHaveLength(2);
  });

  it('when Cartwatch restarts, then the board it posted before keeps being updated, never posted again', async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    const dbPath = path.join(temp.dir, 'board.db');
    await start({ slack, dbPath });
    await app.postEvents([failure('r1', {}), failure('r2', { step: 'capture' })]);
    await sweepAt(T0);
    await sweepAt(T0 + 16 * MINUTE);
    await sweepAt(T0 + 31 * MINUTE);
    const [post] = managersPosts();
    expect(post?.args.text).toBe('payments team: 2 unacknowledged past the limit, USD 20.00 at risk');
    await app.stop();
    cleanups.pop();

    await start({ slack, dbPath, at: T0 + 32 * MINUTE });
    await click(ACTION.acknowledge, buttonOf('C0PAYMENTS', 'r1', ACTION.acknowledge));
    await waitFor(() => linesOf(drawn(post)) === 1, { what: 'the board redrawn after the restart' });
    await app.postEvents(failure('r3', { step: 'refund' }));
    await sweepAt(T0 + 32 * MINUTE);
    await sweepAt(T0 + 48 * MINUTE);
    await sweepAt(T0 + 63 * MINUTE);
    expect(drawn(post)?.args.text).toBe('payments team: 2 unacknowledged past the limit, USD 20.00 at risk');
    expect(JSON.stringify(drawn(post)?.blocks)).toContain('cart `r3`');
    expect(managersPosts()).toHaveLength(1);
    expect(slack.messagesIn('C0MANAGERS')).toHaveLength(1);
  });

  it("when the board's post reaches Slack but its answer is lost, then the retry finds it and later changes update that message", async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    clock = new TestClock(T0);
    app = await startSlackTestApp({ clock, config, slack, tuning: { slackTimeoutMs: 300 } });
    cleanups.push(() => app.stop());
    await app.postEvents(failure('d1', {}));
    await sweepAt(T0);
    await sweepAt(T0 + 16 * MINUTE);
    slack.failNext('chat.postMessage', { dropReply: true });
    clock.set(new Date(T0 + 31 * MINUTE).toISOString());
    await app.running.sweepNow();
    app.running.sendNow();
    await waitFor(() => managersPosts().length === 1, { what: 'the board posted' });
    await waitFor(
      async () => ((await app.running.store.outboxHealth()).oldestPendingDueAt ?? 0) > clock.now(),
      {
        what: 'the lost answer timed out and its retry scheduled',
      },
    );
    // Its retry is due after a backoff, by the app's clock.
    clock.advance(MINUTE);
    await drained();
    expect(slack.callsOf('conversations.history').some((c) => c.args.channel === 'C0MANAGERS')).toBe(true);
    const [post] = managersPosts();
    await click(ACTION.acknowledge, buttonOf('C0PAYMENTS', 'd1', ACTION.acknowledge));
    await waitFor(() => drawn(post)?.args.text === 'payments team: all caught up', {
      what: 'the board caught up',
    });
    expect(managersPosts()).toHaveLength(1);
    expect(slack.messagesIn('C0MANAGERS')).toHaveLength(1);
  });
});

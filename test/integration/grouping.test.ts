import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION } from '../../src/slack/ids.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

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

const declined = (cart: string, value: number) =>
  anEvent({
    cart_id: cart,
    status: 'failed',
    error: { code: 'card_declined' },
    amount: { value, currency: 'USD' },
    occurred_at: new Date(T0).toISOString(),
  });

async function settle(advanceMs = 0) {
  clock.advance(advanceMs);
  await app.running.detectNow();
  app.running.sendNow();
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const roots = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);

describe('storm grouping', () => {
  it('when six carts fail the same way at once, then the channel gets one grouped message with the count, the value and Acknowledge all', async () => {
    const carts = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    await app.postEvents(carts.map((cart, i) => declined(cart, 1000 * (i + 1))));
    await settle();
    await settle(MINUTE);
    expect(roots()).toHaveLength(1);
    const [group] = roots();
    expect(group?.args.channel).toBe('C0PAYMENTS');
    expect(group?.args.text).toContain('6 carts: payment.authorize card_declined');
    const blocks = JSON.stringify(group?.blocks);
    expect(blocks).toContain('USD 210.00');
    expect(blocks).toContain('`c6`');
    const button = group?.blocks?.find((b) => b.type === 'actions')?.elements[0];
    expect(button.text.text).toBe('Acknowledge all 6');

    for (const cart of carts) expect(await app.running.store.exceptionsOfCart(cart)).toHaveLength(1);
  });

  it('when a later failure of the same kind comes, then it joins the live group and the message is updated', async () => {
    await app.postEvents(['c1', 'c2', 'c3', 'c4', 'c5'].map((cart) => declined(cart, 500)));
    await settle();
    await app.postEvents(declined('c7', 500));
    await settle();
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(update?.args.text).toContain('6 carts');
    expect(roots()).toHaveLength(1);
  });

  it('when Acknowledge all is clicked, then every open member is acknowledged with an audit entry and the message says so', async () => {
    await app.postEvents(['c1', 'c2', 'c3', 'c4', 'c5'].map((cart) => declined(cart, 500)));
    await settle();
    const value = roots()[0]?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledgeAll, value, user: 'U0ANNA' }));
    await waitFor(() => app.slack.callsOf('chat.update').length >= 1);
    const update = app.slack.callsOf('chat.update').at(-1);
    expect(JSON.stringify(update?.blocks)).toContain('*Acknowledged*\\n5');
    expect(update?.blocks?.some((b) => b.type === 'actions')).toBe(false);
    const db = new Database(app.dbPath, { readonly: true });
    const audit = db
      .prepare("SELECT count(*) AS n FROM exception_audit WHERE action = 'acknowledged' AND actor = 'U0ANNA'")
      .get();
    db.close();
    expect(audit).toEqual({ n: 5 });
  });

  it('when fewer failures than the threshold come, then each gets its own message after the short wait', async () => {
    await app.postEvents(['c1', 'c2'].map((cart) => declined(cart, 500)));
    await settle();
    expect(roots()).toHaveLength(0);
    await settle(11_000);
    await app.slack.waitForCalls('chat.postMessage', 2);
    expect(roots().map((c) => c.args.text)).toEqual([
      expect.stringContaining('cart c1'),
      expect.stringContaining('cart c2'),
    ]);
  });

  it('when a storm stays unacknowledged, then it escalates once, in its own thread and then to the escalation channel', async () => {
    await app.stop();
    clock = new TestClock(T0);
    app = await startSlackTestApp({
      clock,
      tuning: { grouping: { min: 5, windowMs: 5 * MINUTE, waitMs: 10_000 } },
      config: {
        teams: {
          ...DEFAULT_CONFIG.teams,
          payments: { channel: 'C0PAYMENTS', timezone: 'UTC', mention: 'S0PAYTEAM' },
        },
        escalation: {
          afterMs: 15 * MINUTE,
          channel: 'C0MANAGERS',
          remindAcknowledgedAfterMs: 4 * 60 * MINUTE,
        },
      },
    });
    await app.postEvents(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((cart) => declined(cart, 500)));
    await settle();
    const [group] = await app.slack.waitForCalls('chat.postMessage', 1);
    clock.advance(16 * MINUTE);
    await app.running.sweepNow();
    await settle();
    const notes = app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts !== undefined);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.args).toMatchObject({
      thread_ts: group?.reply?.ts,
      text: expect.stringContaining('<!subteam^S0PAYTEAM>'),
    });
    clock.advance(15 * MINUTE);
    await app.running.sweepNow();
    await settle();
    const managers = app.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0MANAGERS');
    expect(managers).toHaveLength(1);
    expect(managers[0]?.args.text).toContain('https://fake.slack/archives/C0PAYMENTS/p');
  });

  it("when an acknowledged storm stays unresolved, then its assignee is reminded once, in the storm's thread", async () => {
    await app.postEvents(['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((cart) => declined(cart, 500)));
    await settle();
    const [group] = await app.slack.waitForCalls('chat.postMessage', 1);
    const value = group?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledgeAll, value, user: 'U0ANNA' }));
    await waitFor(async () => (await app.running.store.findException(6))?.state === 'acknowledged', {
      what: 'the storm acknowledged',
    });
    const before = app.slack.callsOf('chat.postMessage').length;
    clock.advance(4 * 60 * MINUTE + MINUTE);
    await app.running.sweepNow();
    await settle();
    const reminders = app.slack
      .callsOf('chat.postMessage')
      .slice(before)
      .filter((c) => /remind|still/i.test(c.args.text));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.args).toMatchObject({ channel: 'C0PAYMENTS', thread_ts: group?.reply?.ts });
    expect(reminders[0]?.args.text).toContain('<@U0ANNA>');
    expect((await app.running.store.outboxHealth()).failed).toBe(0);
  });
});

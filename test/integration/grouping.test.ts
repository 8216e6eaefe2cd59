import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION, BLOCK, INPUT, VIEW } from '../../src/slack/ids.js';
import { REDRAW_EVERY_MS } from '../../src/store/shared/outbox-plans.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import type { SlackCall } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction, viewSubmissionPayload } from '../support/slack-requests.js';
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
    // Drawn a moment ago, the message is drawn again once REDRAW_EVERY_MS have passed.
    await settle();
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);
    await settle(REDRAW_EVERY_MS);
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
    // Nothing left to acknowledge: only Resolve all remains.
    expect(buttonsOf(update)).toEqual(['Resolve all 5…']);
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

  it("when a storm stays unacknowledged, then it escalates once, in its own thread and then as one line on its team's board", async () => {
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
    const notes = () => app.slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts !== undefined);
    await waitFor(() => notes().length > 0, { what: "the storm's escalation note" });
    expect(notes()).toHaveLength(1);
    expect(notes()[0]?.args).toMatchObject({
      thread_ts: group?.reply?.ts,
      text: expect.stringContaining('<!subteam^S0PAYTEAM>'),
    });
    clock.advance(15 * MINUTE);
    await app.running.sweepNow();
    await settle();
    // One line on the payments board, for all six, linking the storm's message.
    await waitFor(() => app.slack.callsOf('chat.postMessage').some((c) => c.args.channel === 'C0MANAGERS'), {
      what: 'the board',
    });
    const managers = app.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0MANAGERS');
    expect(managers).toHaveLength(1);
    expect(managers[0]?.args.text).toBe('payments team: 6 unacknowledged past the limit, USD 30.00 at risk');
    const board = JSON.stringify(managers[0]?.blocks);
    expect(board.match(/• /g)).toHaveLength(1);
    expect(board).toContain(
      `<https://fake.slack/archives/C0PAYMENTS/p${String(group?.reply?.ts).replace('.', '')}|Storm: 6 carts failing payment.authorize card_declined>`,
    );
    clock.advance(60 * MINUTE);
    await app.running.sweepNow();
    await settle();
    expect(app.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0MANAGERS')).toHaveLength(
      1,
    );
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
    const remindersSent = () =>
      app.slack
        .callsOf('chat.postMessage')
        .slice(before)
        .filter((c) => /remind|still/i.test(c.args.text));
    // The reply saying who acknowledged went to the same channel just before: the reminder waits its pace.
    await waitFor(() => remindersSent().length > 0, { what: 'the reminder' });
    await app.running.sweepNow();
    await settle();
    const reminders = remindersSent();
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.args).toMatchObject({ channel: 'C0PAYMENTS', thread_ts: group?.reply?.ts });
    expect(reminders[0]?.args.text).toContain('<@U0ANNA>');
    expect((await app.running.store.outboxHealth()).failed).toBe(0);
  });
});

const buttonsOf = (message: { blocks?: any[] } | undefined): string[] =>
  message?.blocks?.find((b) => b.type === 'actions')?.elements.map((e: any) => e.text.text) ?? [];
const contextOf = (message: { blocks?: any[] } | undefined): string =>
  (message?.blocks ?? [])
    .filter((b) => b.type === 'context')
    .map((b) => b.elements.map((e: any) => e.text).join(' '))
    .join('\n');
const buttonValue = (message: { blocks?: any[] } | undefined, actionId: string): string =>
  message?.blocks?.find((b) => b.type === 'actions')?.elements.find((e: any) => e.action_id === actionId)
    ?.value;
const threadOf = (root: { reply?: Record<string, any> } | undefined): string[] =>
  app.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.thread_ts !== undefined && c.args.thread_ts === root?.reply?.ts)
    .map((c) => String(c.args.text));

describe('finishing a storm from its message', () => {
  // Relative to the injected clock, so the storm forms however its window is judged.
  const failing = (cart: string) =>
    anEvent({
      cart_id: cart,
      status: 'failed',
      error: { code: 'processing_error' },
      amount: { value: 1000, currency: 'USD' },
      occurred_at: new Date(clock.now()).toISOString(),
    });

  async function storm(carts: string[]) {
    await app.postEvents(carts.map(failing));
    await settle();
    await waitFor(() => roots().length === 1, { what: 'the grouped message' });
    return roots()[0];
  }

  /** The storm's message as last drawn. */
  function latest(root: SlackCall | undefined): SlackCall | undefined {
    const updates = app.slack.callsOf('chat.update').filter((c) => c.args.ts === root?.reply?.ts);
    return updates.at(-1) ?? root;
  }

  async function click(actionId: string, value: string, user: string) {
    const before = app.slack.callsOf('chat.update').length;
    await postInteraction(app.url, buttonPayload({ actionId, value, user }));
    await waitFor(() => app.slack.callsOf('chat.update').length > before, { what: `${actionId} redrawn` });
  }

  async function resolveAll(value: string, user: string, note?: string) {
    const opened = app.slack.callsOf('views.open').length;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.resolveAll, value, user }));
    const modal = (await app.slack.waitForCalls('views.open', opened + 1))[opened];
    const view = JSON.parse(modal?.args.view);
    const values = {
      [BLOCK.resolveNote]: { [INPUT.resolveNote]: { type: 'plain_text_input', value: note ?? null } },
    };
    await postInteraction(
      app.url,
      viewSubmissionPayload({
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
        values,
        user,
      }),
    );
    return view;
  }

  it('when two people acknowledge parts of a storm, then its message names each with their count and its thread records each, by name', async () => {
    const root = await storm(['s1', 's2', 's3', 's4', 's5']);
    expect(buttonsOf(root)).toEqual(['Acknowledge all 5', 'Resolve all 5…']);
    await click(ACTION.acknowledgeAll, buttonValue(root, ACTION.acknowledgeAll), 'U0ANNA');
    await app.postEvents(['s6', 's7', 's8'].map(failing));
    await settle(REDRAW_EVERY_MS);
    await waitFor(() => /3 unclaimed/.test(JSON.stringify(latest(root)?.blocks)), {
      what: 'the joiners shown',
    });
    await click(ACTION.acknowledgeAll, buttonValue(latest(root), ACTION.acknowledgeAll), 'U0BEN');
    await waitFor(() => threadOf(root).length === 2, { what: 'two thread replies' });

    const message = latest(root);
    expect(contextOf(message)).toContain('Acknowledged by <@U0ANNA> (5), <@U0BEN> (3)');
    expect(JSON.stringify(message?.blocks)).toContain('*Acknowledged*\\n8');
    expect(buttonsOf(message)).toEqual(['Resolve all 8…']);
    // Named as Slack knows them (users.info), never @-mentioned: they are the ones who acted.
    expect(threadOf(root)).toEqual(['User U0ANNA acknowledged 5 carts.', 'User U0BEN acknowledged 3 carts.']);
  });

  it('when Resolve all is submitted with a note, then every open and acknowledged member is resolved with its own audit entry, the thread tells who and how many, and the message keeps no buttons', async () => {
    const root = await storm(['r1', 'r2', 'r3', 'r4', 'r5']);
    await click(ACTION.acknowledgeAll, buttonValue(root, ACTION.acknowledgeAll), 'U0ANNA');
    await app.postEvents(['r6', 'r7'].map(failing));
    await settle(REDRAW_EVERY_MS);
    await waitFor(() => /2 unclaimed/.test(JSON.stringify(latest(root)?.blocks)), {
      what: 'the joiners shown',
    });

    const view = await resolveAll(
      buttonValue(latest(root), ACTION.resolveAll),
      'U0BEN',
      'PSP credentials rotated',
    );
    expect(view).toMatchObject({ callback_id: VIEW.resolveGroup, submit: { text: 'Resolve all' } });
    expect(JSON.stringify(view.blocks)).toContain('7 of 7 carts still open or acknowledged');
    await waitFor(() => threadOf(root).length === 2, { what: 'the resolution in the thread' });
    expect(threadOf(root)[1]).toBe('User U0BEN resolved 7 carts: PSP credentials rotated');
    await waitFor(() => buttonsOf(latest(root)).length === 0, { what: 'the message without buttons' });

    const message = latest(root);
    expect(message?.blocks?.[0].text.text).toMatch(/^✅ 7 carts: payment\.authorize processing_error/);
    expect(contextOf(message)).toContain('Acknowledged by <@U0ANNA> (5) · Resolved by <@U0BEN> (7)');
    expect(message?.blocks?.some((b) => b.type === 'actions')).toBe(false);

    const db = new Database(app.dbPath, { readonly: true });
    const states = db.prepare('SELECT state, resolution, resolved_by FROM exceptions').all();
    const audit = db
      .prepare(
        "SELECT exception_id, actor, note FROM exception_audit WHERE action = 'resolved' ORDER BY exception_id",
      )
      .all();
    db.close();
    expect(states).toHaveLength(7);
    for (const row of states)
      expect(row).toEqual({ state: 'resolved', resolution: 'manual', resolved_by: 'U0BEN' });
    expect(audit).toHaveLength(7);
    expect(new Set(audit.map((row: any) => row.exception_id)).size).toBe(7);
    for (const row of audit)
      expect(row).toMatchObject({
        actor: 'U0BEN',
        note: 'with the rest of its group: PSP credentials rotated',
      });
    // Those Anna acknowledged stay hers in their history.
    expect((await app.running.store.findException(1))?.assignee).toBe('U0ANNA');
  });

  it('when Acknowledge all is clicked on a drawing from before a newcomer joined, then it takes the carts that drawing showed and leaves the newcomer for the next', async () => {
    const root = await storm(['n1', 'n2', 'n3', 'n4', 'n5']);
    const old = buttonValue(root, ACTION.acknowledgeAll);
    await app.postEvents(failing('n6'));
    await settle(REDRAW_EVERY_MS);
    await waitFor(() => /^6 carts/.test(String(latest(root)?.args.text)), { what: 'the newcomer shown' });

    await click(ACTION.acknowledgeAll, old, 'U0ANNA');
    await waitFor(() => threadOf(root).length === 1, { what: 'the acknowledgement in the thread' });
    expect(threadOf(root)).toEqual(['User U0ANNA acknowledged 5 carts.']);
    for (const id of [1, 2, 3, 4, 5])
      expect((await app.running.store.findException(id))?.state).toBe('acknowledged');
    expect((await app.running.store.findException(6))?.state).toBe('open');
    expect(app.slack.callsOf('chat.postEphemeral')).toHaveLength(0);
    // The message as it stands now offers the one left.
    const now = latest(root);
    expect(buttonsOf(now)).toEqual(['Acknowledge all 1', 'Resolve all 6…']);
    await click(ACTION.acknowledgeAll, buttonValue(now, ACTION.acknowledgeAll), 'U0ANNA');
    await waitFor(async () => (await app.running.store.findException(6))?.state === 'acknowledged', {
      what: 'the newcomer acknowledged',
    });
  });

  it('when Resolve all is submitted from a drawing older than the storm, then nothing is resolved and the clicker is told privately', async () => {
    const root = await storm(['o1', 'o2', 'o3', 'o4', 'o5']);
    const old = buttonValue(root, ACTION.resolveAll);
    await click(ACTION.acknowledgeAll, buttonValue(root, ACTION.acknowledgeAll), 'U0ANNA');
    await resolveAll(old, 'U0BEN');
    const [told] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(told?.args).toMatchObject({ user: 'U0BEN', text: expect.stringContaining('nothing was done') });
    for (const id of [1, 2, 3, 4, 5])
      expect(await app.running.store.findException(id)).toMatchObject({
        state: 'acknowledged',
        assignee: 'U0ANNA',
      });
    expect(threadOf(root).some((text) => /resolved/.test(text))).toBe(false);
  });
});

describe('trickles', () => {
  const trickling = (cart: string) =>
    anEvent({
      cart_id: cart,
      status: 'failed',
      error: { code: 'processing_error' },
      amount: { value: 2500, currency: 'USD' },
      occurred_at: new Date(clock.now()).toISOString(),
    });

  /** Everything due is sent (nothing here is due later). */
  async function drained() {
    app.running.sendNow();
    await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
      what: 'the outbox drained',
    });
  }

  it('when one like failure comes a minute for ten minutes, then the first is posted at once and the rest wait, ending as one storm the first points to', async () => {
    for (let minute = 0; minute < 10; minute += 1) {
      await app.postEvents(trickling(`t${minute}`));
      await settle();
      // The short wait passes: the first is posted alone; the next ones wait out its window.
      await settle(11_000);
      await settle(49_000);
    }

    const posted = roots();
    expect(posted.map((c) => c.args.text)).toEqual([
      expect.stringContaining('cart t0'),
      expect.stringContaining('5 carts: payment.authorize processing_error'),
    ]);
    const storm = posted[1];
    const stormLink = `https://fake.slack/archives/C0PAYMENTS/p${String(storm?.reply?.ts).replace('.', '')}`;
    for (const alone of posted.slice(0, 1)) {
      const redrawn = app.slack.callsOf('chat.update').filter((c) => c.args.ts === alone.reply?.ts);
      expect(redrawn).toHaveLength(1);
      expect(redrawn[0]?.args.text).toBe(
        'Now part of a storm: 5 carts failing payment.authorize processing_error',
      );
      expect(JSON.stringify(redrawn[0]?.blocks)).toContain(`<${stormLink}|the storm's message>`);
      expect(buttonsOf(redrawn[0])).toEqual(['Timeline']);
    }
    const stormNow = app.slack
      .callsOf('chat.update')
      .filter((c) => c.args.ts === storm?.reply?.ts)
      .at(-1);
    expect(stormNow?.args.text).toBe(
      '10 carts: payment.authorize processing_error (10 open), USD 250.00 at risk',
    );
    expect(buttonsOf(stormNow)).toEqual(['Acknowledge all 10', 'Resolve all 10…']);

    const groups = new Set<number | undefined>();
    for (let minute = 0; minute < 10; minute += 1)
      for (const e of await app.running.store.exceptionsOfCart(`t${minute}`)) groups.add(e.groupId);
    expect([...groups]).toEqual([1]);
    expect((await app.running.store.outboxHealth()).failed).toBe(0);
  });

  it('when like failures come further apart than a storm needs, then each keeps its own message, the later ones after waiting out the window', async () => {
    for (let i = 0; i < 4; i += 1) {
      await app.postEvents(trickling(`far${i}`));
      await settle();
      await settle(11_000);
      await settle(2 * MINUTE - 11_000);
    }
    await settle(5 * MINUTE);
    await drained();
    expect(roots().map((c) => c.args.text)).toEqual(
      ['far0', 'far1', 'far2', 'far3'].map((cart) => expect.stringContaining(`cart ${cart}`)),
    );
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { type CartwatchConfig, DEFAULT_CONFIG } from '../../src/config.js';
import { VIEW } from '../../src/slack/ids.js';
import { MINUTE, TestClock } from '../support/clock.js';
import {
  failure,
  latestDrawing,
  openFromMenu,
  postOf,
  submitSnooze,
  threadReplies,
} from '../support/noise.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
let clock: TestClock;

afterEach(async () => {
  await app.stop();
});

async function start(config: Partial<CartwatchConfig> = {}) {
  clock = new TestClock(T0);
  app = await startSlackTestApp({ clock, config });
  await app.postEvents(failure('cart_z'));
  await app.running.detectNow();
  return postOf(app, 'cart_z');
}

async function drained() {
  app.running.sendNow();
  await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
    what: 'the outbox to drain',
  });
}

async function sweepAt(ms: number) {
  clock.set(iso(ms));
  await app.running.detectNow();
  await app.running.sweepNow();
  await drained();
}

const replies = (text: string) => threadReplies(app).filter((c) => String(c.args.text).includes(text));

async function snooze(choice: string, user = 'U0ALICE') {
  const view = await openFromMenu(app, latestDrawing(app, await postOf(app, 'cart_z')), 'snooze', user);
  expect(view.callback_id).toBe(VIEW.snooze);
  expect((await submitSnooze(app, view.private_metadata, choice, user)).status).toBe(200);
}

describe('snooze', () => {
  it('when snoozed for 30 minutes, then the message says by whom and until when, repeats still count, nothing escalates, and when it ends the thread says so and escalation starts again', async () => {
    await start();
    await snooze('30m');
    await waitFor(async () => (await app.running.store.findException(1))?.snoozedUntil !== undefined);
    await drained();
    const redrawn = app.slack.callsOf('chat.update').at(-1);
    const context = JSON.stringify(redrawn?.blocks);
    expect(context).toContain('💤 Snoozed by <@U0ALICE> until <!date^');
    expect(context).toContain(iso(T0 + 30 * MINUTE));
    expect(replies('snoozed this until')).toHaveLength(1);
    expect((await app.running.store.auditOf(1)).at(-1)).toMatchObject({
      action: 'snoozed',
      actor: 'U0ALICE',
    });

    await app.postEvents(failure('cart_z'));
    await sweepAt(T0 + 20 * MINUTE);
    expect((await app.running.store.findException(1))?.count).toBe(2);
    expect(replies('unacknowledged')).toHaveLength(0);

    await sweepAt(T0 + 31 * MINUTE);
    expect(replies('The snooze by')).toHaveLength(1);
    expect(replies('The snooze by')[0]?.args.text).toContain('still open, so escalation starts again');
    const woken = await app.running.store.findException(1);
    expect(woken?.snoozedUntil).toBeUndefined();
    expect(woken?.escalateAt).toBe(T0 + 30 * MINUTE + 15 * MINUTE);

    await sweepAt(T0 + 44 * MINUTE);
    expect(replies('unacknowledged')).toHaveLength(0);
    await sweepAt(T0 + 46 * MINUTE);
    expect(replies('unacknowledged')).toHaveLength(1);
  });

  it("when snoozed until tomorrow's digest, then it ends at the digest time in the team's own time zone", async () => {
    const teams = {
      ...DEFAULT_CONFIG.teams,
      payments: { channel: 'C0PAYMENTS', timezone: 'America/Chicago' },
    };
    await start({ teams, digest: { at: '09:00', skipQuiet: false } });
    await snooze('digest');
    // 03:00 in Chicago on the 27th: the next morning's 09:00 there is 15:00 UTC on the 28th.
    await waitFor(
      async () =>
        (await app.running.store.findException(1))?.snoozedUntil === Date.parse('2026-11-28T15:00:00Z'),
      { what: 'the snooze until the digest' },
    );
  });

  it("when someone outside the team's members snoozes, then they are told privately and nothing changes", async () => {
    const teams = {
      ...DEFAULT_CONFIG.teams,
      payments: { channel: 'C0PAYMENTS', timezone: 'UTC', members: ['U0ANNA'] },
    };
    await start({ teams });
    await snooze('1h', 'U0BOB');
    const [told] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(told?.args).toMatchObject({
      user: 'U0BOB',
      text: expect.stringContaining('Only members of the payments team'),
    });
    expect((await app.running.store.findException(1))?.snoozedUntil).toBeUndefined();
  });

  it('when the message changed since the Snooze modal opened, then nothing is snoozed and the clicker is told', async () => {
    await start();
    const view = await openFromMenu(app, await postOf(app, 'cart_z'), 'snooze');
    await app.running.store.applyAction({
      exceptionId: 1,
      action: 'acknowledge',
      actor: 'U0BEN',
      revision: 0,
      at: T0,
    });
    await submitSnooze(app, view.private_metadata, '4h');
    const [told] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(told?.args.text).toContain('it was not snoozed');
    expect((await app.running.store.findException(1))?.snoozedUntil).toBeUndefined();
  });

  it('when an acknowledged exception is snoozed, then no reminder comes until it ends, and reminders start again after', async () => {
    await start();
    await app.running.store.applyAction({
      exceptionId: 1,
      action: 'acknowledge',
      actor: 'U0ALICE',
      revision: 0,
      at: T0,
    });
    await drained();
    await snooze('4h');
    await waitFor(async () => (await app.running.store.findException(1))?.snoozedUntil !== undefined);
    await sweepAt(T0 + 4 * 60 * MINUTE - MINUTE);
    expect(replies('still yours')).toHaveLength(0);
    await sweepAt(T0 + 4 * 60 * MINUTE + MINUTE);
    expect(replies('still unresolved, so reminders start again')).toHaveLength(1);
    expect((await app.running.store.findException(1))?.remindAt).toBe(T0 + 8 * 60 * MINUTE);
  });
});

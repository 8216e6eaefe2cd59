import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_NOISE } from '../../src/config/cartwatch-config.js';
import { ACTION, BLOCK, INPUT } from '../../src/slack/ids.js';
import { REDRAW_EVERY_MS } from '../../src/store/shared/outbox-plans.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

let app: TestApp;
beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

const state = async () => (await fetch(`${app.url}/sandbox/state`)).json() as Promise<any>;
const act = async (body: object) =>
  (
    await fetch(`${app.url}/sandbox/act`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  ).json() as Promise<any>;
const roots = (s: any, channel: string) =>
  s.messages.filter((m: any) => m.channel === channel && !m.threadTs);
const buttons = (m: any) =>
  m.blocks.find((b: any) => b.type === 'actions').elements.filter((e: any) => e.type === 'button');

describe('the local Slack sandbox', () => {
  it('when started without Slack credentials, then the page is served and the bot posts into the sandbox channels', async () => {
    expect(app.running.sandbox?.channels).toEqual(['C0PAYMENTS', 'C0FULFIL', 'C0OPS']);
    expect(((await (await fetch(`${app.url}/healthz`)).json()) as any).slack).toEqual({ state: 'sandbox' });
    const page = await fetch(`${app.url}/sandbox`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>Cartwatch sandbox</title>');
    await app.postEvents(anEvent({ cart_id: 'sb1', status: 'failed', error: { code: 'card_declined' } }));
    await waitFor(async () => roots(await state(), 'C0PAYMENTS').length === 1, {
      what: 'the sandbox message',
    });
  });

  it('when a person acknowledges, reassigns and asks /cart-status in the page, then the bot answers as in Slack', async () => {
    await app.postEvents(anEvent({ cart_id: 'sb2', status: 'failed', error: { code: 'card_declined' } }));
    await waitFor(async () => roots(await state(), 'C0PAYMENTS').length === 1, { what: 'the message' });
    let message = roots(await state(), 'C0PAYMENTS')[0];
    const ack = buttons(message).find((b: any) => b.action_id === ACTION.acknowledge);
    await act({
      type: 'click',
      user: 'U0ANNA',
      channel: message.channel,
      ts: message.ts,
      actionId: ack.action_id,
      value: ack.value,
    });
    await waitFor(
      async () =>
        JSON.stringify(roots(await state(), 'C0PAYMENTS')[0].blocks).includes('Acknowledged by <@U0ANNA>'),
      {
        what: 'the acknowledged message',
      },
    );

    message = roots(await state(), 'C0PAYMENTS')[0];
    const reassign = buttons(message).find((b: any) => b.action_id === ACTION.reassign);
    const clickReassign = () =>
      act({
        type: 'click',
        user: 'U0ANNA',
        channel: message.channel,
        ts: message.ts,
        actionId: reassign.action_id,
        value: reassign.value,
      });
    await clickReassign();
    await waitFor(async () => (await state()).modals.length === 1, { what: 'the modal' });
    const modal = (await state()).modals[0];
    expect(modal.user).toBe('U0ANNA');
    await act({ type: 'close', user: 'U0ANNA', viewId: modal.id });
    expect((await state()).modals).toEqual([]);
    await clickReassign();
    await waitFor(async () => (await state()).modals.length === 1, { what: 'the modal again' });
    const again = (await state()).modals[0];
    const missing = await act({ type: 'submit', user: 'U0ANNA', viewId: again.id, values: {} });
    expect(missing.errors[BLOCK.reassignNote]).toContain('handoff note');
    await act({
      type: 'submit',
      user: 'U0ANNA',
      viewId: again.id,
      values: {
        [BLOCK.reassignTeam]: {
          [INPUT.reassignTeam]: { type: 'static_select', selected_option: { value: 'fulfillment' } },
        },
        [BLOCK.reassignNote]: { [INPUT.reassignNote]: { type: 'plain_text_input', value: 'Over to you' } },
      },
    });
    await waitFor(async () => roots(await state(), 'C0FULFIL').length === 1, {
      what: 'the message in fulfilment',
    });
    expect(JSON.stringify(roots(await state(), 'C0PAYMENTS')[0].blocks)).toContain(
      'Cart `sb2`: reassigned to <#C0FULFIL>',
    );

    await act({ type: 'command', user: 'U0BEN', channel: 'C0FULFIL', text: 'sb2' });
    const answer = (await state()).ephemerals.find((e: any) => e.user === 'U0BEN');
    expect(JSON.stringify(answer.blocks)).toContain('reassigned: to team fulfillment: Over to you');
  });

  it('when Cartwatch restarts on the same database, then the channels still show their messages and their buttons still work', async () => {
    const temp = tempDir();
    const dbPath = path.join(temp.dir, 'restart.db');
    const first = await startTestApp({ dbPath });
    const stateOf = async (url: string) => (await fetch(`${url}/sandbox/state`)).json() as Promise<any>;
    try {
      await first.postEvents(
        anEvent({ cart_id: 'sb_restart', status: 'failed', error: { code: 'processing_error' } }),
      );
      await waitFor(async () => roots(await stateOf(first.url), 'C0PAYMENTS').length === 1, {
        what: 'the message before the restart',
      });
    } finally {
      await first.stop();
    }
    const second = await startTestApp({ dbPath });
    try {
      const [kept] = roots(await stateOf(second.url), 'C0PAYMENTS');
      expect(kept.text).toContain('cart sb_restart');
      const ack = buttons(kept).find((b: any) => b.action_id === ACTION.acknowledge);
      await fetch(`${second.url}/sandbox/act`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'click',
          user: 'U0BEN',
          channel: 'C0PAYMENTS',
          ts: kept.ts,
          actionId: ack.action_id,
          value: ack.value,
        }),
      });
      await waitFor(
        async () =>
          JSON.stringify(roots(await stateOf(second.url), 'C0PAYMENTS')[0].blocks).includes(
            'Acknowledged by <@U0BEN>',
          ),
        { what: 'the kept message acknowledged in place' },
      );
      expect(roots(await stateOf(second.url), 'C0PAYMENTS')).toHaveLength(1);
      expect(((await (await fetch(`${second.url}/healthz`)).json()) as any).slack).toEqual({
        state: 'sandbox',
      });
    } finally {
      await second.stop();
      temp.cleanup();
    }
  });

  it('when someone opens the root address, then it leads to the sandbox page', async () => {
    const res = await fetch(`${app.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/sandbox');
    expect((await fetch(`${app.url}/nothing-here`)).status).toBe(404);
  });

  it('when a /cart-status mine reply is clicked, then the reply is redrawn in place through its response_url', async () => {
    await app.postEvents(
      anEvent({ cart_id: 'sb_mine', status: 'failed', error: { code: 'processing_error' } }),
    );
    await waitFor(async () => roots(await state(), 'C0PAYMENTS').length === 1, { what: 'the message' });
    const [message] = roots(await state(), 'C0PAYMENTS');
    const reassign = buttons(message).find((b: any) => b.action_id === ACTION.reassign);
    await act({
      type: 'click',
      user: 'U0ANNA',
      channel: 'C0PAYMENTS',
      ts: message.ts,
      actionId: ACTION.reassign,
      value: reassign.value,
    });
    await waitFor(async () => (await state()).modals.length === 1, { what: 'the Reassign modal' });
    const modal = (await state()).modals[0];
    await act({
      type: 'submit',
      user: 'U0ANNA',
      viewId: modal.id,
      values: {
        [BLOCK.reassignPerson]: { [INPUT.reassignPerson]: { type: 'users_select', selected_user: 'U0ANNA' } },
        [BLOCK.reassignNote]: { [INPUT.reassignNote]: { type: 'plain_text_input', value: 'Mine now' } },
      },
    });
    // The modal closes at once; the handoff is recorded just after.
    await waitFor(
      async () =>
        JSON.stringify(roots(await state(), 'C0PAYMENTS')[0].blocks).includes('Assigned to <@U0ANNA>'),
      { what: 'the exception assigned to Anna' },
    );
    await act({ type: 'command', user: 'U0ANNA', channel: 'C0PAYMENTS', text: 'mine' });
    const reply = (await state()).ephemerals.find((e: any) => e.user === 'U0ANNA');
    expect(reply.text).toBe('Assigned to you: 1');
    const actions = reply.blocks.find((b: any) => b.type === 'actions');
    const ack = actions.elements.find((e: any) => e.action_id === ACTION.acknowledge);
    await act({
      type: 'click',
      user: 'U0ANNA',
      channel: 'C0PAYMENTS',
      ts: reply.id,
      ephemeral: reply.id,
      blockId: actions.block_id,
      actionId: ack.action_id,
      value: ack.value,
    });
    await waitFor(
      async () => {
        const mine = (await state()).ephemerals.filter((e: any) => e.user === 'U0ANNA');
        return mine.length === 1 && JSON.stringify(mine[0].blocks).includes('Unacknowledge');
      },
      { what: 'the reply redrawn in place' },
    );
  });

  it('when the page sends something that is not an action, then it is refused and nothing happens', async () => {
    const json = { 'content-type': 'application/json' };
    const res = await fetch(`${app.url}/sandbox/act`, {
      method: 'POST',
      headers: json,
      body: '{"type":"drop tables"}',
    });
    expect(res.status).toBe(400);
    // A cross-site form post (no JSON content type) is refused before it is read.
    const form = await fetch(`${app.url}/sandbox/act`, {
      method: 'POST',
      body: '{"type":"home","user":"U0ANNA"}',
    });
    expect(form.status).toBe(415);
    expect((await state()).messages).toEqual([]);
  });
});

describe('the demo stream', () => {
  it('when the demo plays with the built-in noise rules, then the channels show a storm that clears, a rate exception over suppressed declines, and a snooze that ends', async () => {
    // Each reading of this clock moves it on a millisecond; the ten minutes play in ten seconds, time
    // enough for the carrier's failures to be posted before their retries clear them.
    const clock = new (class extends TestClock {
      override now(): number {
        this.advance(1);
        return super.now();
      }
    })(Date.parse('2026-11-27T12:00:00Z'));
    const demo = await startTestApp({
      demo: true,
      clock,
      config: { noise: DEFAULT_NOISE },
      tuning: { demo: { lengthMs: 10_000, digestDelayMs: 0 } },
    });
    const sandbox = async () => (await fetch(`${demo.url}/sandbox/state`)).json() as Promise<any>;
    const isDigest = (m: any) => String(m.text).startsWith('Cartwatch digest');
    try {
      await waitFor(async () => (await sandbox()).messages.filter(isDigest).length === 3, {
        what: "each team's digest after the demo",
        timeoutMs: 20_000,
      });
      const text = (m: any) => `${m.text} ${JSON.stringify(m.blocks ?? [])}`;
      const stormOf = (state: any) =>
        roots(state, 'C0FULFIL').find((m: any) =>
          text(m).includes('carts: fulfillment.ship carrier_api_timeout'),
        );
      // The storm's last changes (its members recovering) are drawn within the redraw pace.
      clock.advance(REDRAW_EVERY_MS);
      await waitFor(async () => /^✅/.test(stormOf(await sandbox())?.blocks[0].text.text ?? ''), {
        what: 'the storm drawn cleared',
        timeoutMs: 10_000,
      });
      let s = await sandbox();
      const payments = roots(s, 'C0PAYMENTS');
      // Customers' own declines are never posted one by one; together they breach the rate rule.
      expect(
        payments.filter((m: any) => /^Failed/.test(m.text) && text(m).includes('card_declined')),
      ).toEqual([]);
      const rate = payments.find((m: any) => text(m).includes('Failing too often'));
      expect(rate, 'a rate exception in #payments').toBeDefined();
      // The carrier outage formed one storm in #fulfillment, and it cleared when shipping resumed.
      const storm = stormOf(s);
      expect(storm?.blocks[0].text.text).toBe('✅ 6 carts: fulfillment.ship carrier_api_timeout');
      // Anna snoozed the capture that never came; the message says so until it ends.
      const snoozed = payments.find((m: any) => text(m).includes('Snoozed by <@U0ANNA>'));
      expect(snoozed, 'the snoozed exception').toBeDefined();

      // A sample cart of the rate exception: its timeline shows the decline, marked suppressed.
      const sample = /`(cart_\d+)`/.exec(text(rate))?.[1];
      expect(sample).toBeDefined();
      await fetch(`${demo.url}/sandbox/act`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'command', user: 'U0ANNA', channel: 'C0PAYMENTS', text: sample }),
      });
      const reply = (await sandbox()).ephemerals.find((e: any) => e.user === 'U0ANNA');
      expect(JSON.stringify(reply.blocks)).toContain('suppressed: customer-caused');

      // The snooze runs out: its thread says escalation starts again.
      clock.advance(5 * MINUTE);
      await demo.running.sweepNow();
      demo.running.sendNow();
      await waitFor(
        async () =>
          (await sandbox()).messages.some(
            (m: any) => m.threadTs === snoozed.ts && String(m.text).includes('The snooze by Anna is over'),
          ),
        { what: 'the end of the snooze in its thread' },
      );
      s = await sandbox();
      expect(roots(s, 'C0PAYMENTS').find((m: any) => m.ts === snoozed.ts).blocks).not.toContainEqual(
        expect.objectContaining({ text: expect.stringContaining('Snoozed') }),
      );
    } finally {
      await demo.stop();
    }
  }, 40_000);

  it("when the demo runs on a new database, then each team's digest comes after it, tells of what it raised, and is not posted again", async () => {
    // Past 09:00, when a new database used to post a quiet digest to every channel before any event.
    // Each reading of this clock moves it on a millisecond, so all the demo raised precedes its digest.
    const clock = new (class extends TestClock {
      override now(): number {
        this.advance(1);
        return super.now();
      }
    })(Date.parse('2026-11-27T12:00:00Z'));
    const temp = tempDir();
    const dbPath = path.join(temp.dir, 'demo.db');
    // Storms off, so every post is due when raised and the digests, asked after, come last.
    const tuning = { demo: { lengthMs: 300, digestDelayMs: 0 }, grouping: { waitMs: 0, min: 1 } };
    const demo = await startTestApp({ demo: true, clock, dbPath, tuning, config: { noise: DEFAULT_NOISE } });
    const isDigest = (m: any) => String(m.text).startsWith('Cartwatch digest');
    const db = new Database(dbPath, { readonly: true });
    try {
      const sandbox = async () => (await fetch(`${demo.url}/sandbox/state`)).json() as Promise<any>;
      await waitFor(async () => (await sandbox()).messages.filter(isDigest).length === 3, {
        what: "each team's digest",
      });
      const { messages } = await sandbox();
      const raised = (team: string) =>
        (db.prepare('SELECT count(*) AS n FROM exceptions WHERE team = ?').get(team) as { n: number }).n;
      for (const [team, channel] of [
        ['payments', 'C0PAYMENTS'],
        ['fulfillment', 'C0FULFIL'],
        ['ops', 'C0OPS'],
      ] as const) {
        const posts = roots({ messages }, channel);
        expect(posts.filter(isDigest), team).toHaveLength(1);
        expect(posts.findIndex(isDigest), `${team}: the digest comes last`).toBe(posts.length - 1);
        expect(raised(team), team).toBeGreaterThan(0);
        expect(posts.at(-1).text, team).toContain(`${team} · 2026-11-27: ${raised(team)} new`);
      }
    } finally {
      await demo.stop();
    }

    // Started again that afternoon: the day's digests are recorded once, so none is queued again.
    clock.advance(2 * HOUR);
    const again = await startTestApp({ clock, dbPath, demo: false });
    try {
      await again.running.digests.catchUp();
      expect(await again.running.digests.run('payments')).toBe('already_ran');
      const runs = db.prepare('SELECT team, local_date FROM digest_runs ORDER BY team').all();
      expect(runs).toEqual([
        { team: 'fulfillment', local_date: '2026-11-27' },
        { team: 'ops', local_date: '2026-11-27' },
        { team: 'payments', local_date: '2026-11-27' },
      ]);
      expect(db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'digest'").get()).toEqual({ n: 3 });
    } finally {
      await again.stop();
      db.close();
      temp.cleanup();
    }
  });
});

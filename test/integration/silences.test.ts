import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type CartwatchConfig, DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION, BLOCK, encodeSilenceMetadata, VIEW } from '../../src/slack/ids.js';
import { MINUTE, TestClock } from '../support/clock.js';
import { anEvent } from '../support/events.js';
import { failure, openFromMenu, postOf, rootPosts, submitSilence, threadReplies } from '../support/noise.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postCommand, postInteraction } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-27T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let app: SlackTestApp;
let clock: TestClock;
const running: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.stop();
});

async function start(options: { config?: Partial<CartwatchConfig>; dbPath?: string } = {}) {
  clock ??= new TestClock(T0);
  app = await startSlackTestApp({ clock, ...options });
  running.push(app);
  return app;
}

function fresh() {
  clock = new TestClock(T0);
}

/** Lets detection finish, runs the sweep at the clock's time, and waits for the outbox to drain. */
async function sweepAt(ms: number) {
  clock.set(iso(ms));
  await app.running.detectNow();
  await app.running.sweepNow();
  await drained();
}

async function drained() {
  app.running.sendNow();
  await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
    what: 'the outbox to drain',
  });
}

async function raise(...events: Record<string, unknown>[]) {
  expect((await app.postEvents(events)).status).toBe(202);
  await app.running.detectNow();
  await drained();
}

/** A posted processing_error for cart_first, its Silence modal open, as Alice. */
async function silenceModal(user = 'U0ALICE') {
  await raise(failure('cart_first', { source: 'stripe' }));
  return openFromMenu(app, await postOf(app, 'cart_first'), 'silence', user);
}

async function silenceFor(minutes: number, reason = 'PSP maintenance') {
  const view = await silenceModal();
  const reply = await submitSilence(app, view.private_metadata, {
    kept: ['stage', 'error_code'],
    duration: `${minutes}m`,
    reason,
  });
  expect(reply).toMatchObject({ status: 200, body: null });
  await waitFor(async () => (await app.running.store.activeSilences(clock.now())).length === 1, {
    what: 'the silence',
  });
  await drained();
  return (await app.running.store.activeSilences(clock.now()))[0] as { id: number };
}

async function ask(text: string, user = 'U0ALICE') {
  const res = await postCommand(app.url, text, { user });
  return JSON.stringify(await res.json());
}

const MEMBERS: Partial<CartwatchConfig> = {
  teams: {
    ...DEFAULT_CONFIG.teams,
    payments: { channel: 'C0PAYMENTS', timezone: 'UTC', members: ['U0ANNA'] },
  },
};

describe('Silence like this…', () => {
  it('when opened from a message, then the modal is prefilled with its team, stage, step, error code and source and previews what that matches', async () => {
    fresh();
    await start();
    await raise(
      failure('cart_a', { source: 'stripe' }),
      failure('cart_b', { source: 'stripe' }),
      failure('cart_c', { source: 'stripe' }),
      failure('cart_d', { source: 'stripe' }),
      failure('cart_x', { source: 'stripe', error: { code: 'api_connection_error' } }),
    );
    // One of the four resolves itself: no longer open, still raised in the last day.
    await raise(anEvent({ cart_id: 'cart_d', status: 'succeeded', occurred_at: iso(T0 + MINUTE) }));

    const view = await openFromMenu(app, await postOf(app, 'cart_a'), 'silence');
    expect(view.callback_id).toBe(VIEW.silence);
    const match = view.blocks.find((b: any) => b.block_id === BLOCK.silenceMatch);
    expect(match.label.text).toContain('payments');
    expect(match.element.options.map((o: any) => o.text.text)).toEqual([
      'Stage: payment',
      'Step: authorize',
      'Error code: processing_error',
      'Source: stripe',
    ]);
    expect(match.element.initial_options).toHaveLength(4);
    const preview = view.blocks.find((b: any) => b.block_id === BLOCK.silencePreview);
    expect(preview.elements[0].text).toBe('Matches 3 open exceptions now, 4 in the last 24 hours.');
  });

  it('when a field is dropped in the modal, then its preview is counted again', async () => {
    fresh();
    await start();
    await raise(failure('cart_a'), failure('cart_b', { error: { code: 'api_connection_error' } }));
    const view = await openFromMenu(app, await postOf(app, 'cart_a'), 'silence');
    const payload = buttonPayload({ actionId: ACTION.silenceMatch, value: '' });
    const tick = {
      ...payload,
      container: { type: 'view', view_id: 'V0MODAL' },
      view: { id: 'V0MODAL', hash: 'h1', private_metadata: view.private_metadata, state: { values: {} } },
      actions: [
        {
          type: 'checkboxes',
          action_id: ACTION.silenceMatch,
          block_id: BLOCK.silenceMatch,
          selected_options: [{ text: { type: 'plain_text', text: 'Stage' }, value: 'stage' }],
        },
      ],
    };
    await postInteraction(app.url, tick);
    const [update] = await app.slack.waitForCalls('views.update', 1);
    expect(update?.args).toMatchObject({ view_id: 'V0MODAL', hash: 'h1' });
    const redrawn = JSON.parse(update?.args.view);
    const preview = redrawn.blocks.find((b: any) => b.block_id === BLOCK.silencePreview);
    expect(preview.elements[0].text).toBe('Matches 2 open exceptions now, 2 in the last 24 hours.');
  });

  it('when submitted, then the channel is told, and a failure while it holds is stored, shown as silenced in /cart-status, but neither posted nor escalated', async () => {
    fresh();
    await start();
    const silence = await silenceFor(60);
    const notice = rootPosts(app, 'C0PAYMENTS').find((c) => String(c.args.text).includes('🔕'));
    expect(notice?.args.text).toContain(
      "silenced the payments team's exceptions matching stage payment, error code processing_error until",
    );

    const before = rootPosts(app).length;
    await raise(failure('cart_held'));
    const [held] = await app.running.store.exceptionsOfCart('cart_held');
    expect(held).toMatchObject({ state: 'open', silenceId: silence.id });
    expect(held?.escalateAt).toBeUndefined();
    expect((await app.running.store.auditOf(held?.id ?? 0))[0]?.note).toContain('held back by silence');

    // A repeat counts; past the escalation limit, nothing is posted or escalated.
    await raise(failure('cart_held'));
    await sweepAt(T0 + 30 * MINUTE);
    expect((await app.running.store.findException(held?.id ?? 0))?.count).toBe(2);
    expect(rootPosts(app)).toHaveLength(before);
    expect(threadReplies(app).filter((c) => String(c.args.text).includes('unacknowledged'))).toHaveLength(1);

    const wire = await app.getCart('cart_held');
    expect(wire.body.exceptions[0].silence).toMatchObject({
      reason: 'PSP maintenance',
      created_by: 'U0ALICE',
    });
    const report = await ask('cart_held');
    expect(report).toContain('silenced by');
    expect(report).toContain('PSP maintenance');
    const overview = await ask('');
    expect(overview).toContain('Silenced now');
    expect(overview).toContain('1 open held back');
    const list = await ask('silences');
    expect(list).toContain(ACTION.endSilence);
    expect(list).toContain('<@U0ALICE>');

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('cartwatch_silenced_total{team="payments",instance="test"} 1');
    expect(metrics).toContain('cartwatch_silences_active{team="payments",instance="test"} 1');
    const facts = await app.running.digests.factsFor('payments');
    expect(facts.silenced).toEqual([{ reason: 'PSP maintenance', count: 1 }]);
  });

  it('when a form is wrong, then the modal says what, field by field, and nothing is silenced', async () => {
    fresh();
    await start();
    const view = await silenceModal();
    const nothing = await submitSilence(app, view.private_metadata, { kept: [], reason: '   ' });
    expect(nothing.body.response_action).toBe('errors');
    expect(nothing.body.errors[BLOCK.silenceMatch]).toContain(
      'at least one of stage, step, error code or source',
    );
    expect(nothing.body.errors[BLOCK.silenceReason]).toContain('Say why');
    const tooLong = await submitSilence(app, view.private_metadata, { kept: ['step'], duration: '30d' });
    expect(tooLong.body.errors[BLOCK.silenceFor]).toBe('A silence lasts at most 7 days.');
    const noDuration = await submitSilence(app, view.private_metadata, { kept: ['step'], duration: null });
    expect(noDuration.body.errors[BLOCK.silenceFor]).toBe('Give how long it lasts.');
    expect(await app.running.store.activeSilences(clock.now())).toEqual([]);
  });

  it("when someone outside the team's members submits, then the modal refuses and nothing is silenced", async () => {
    fresh();
    await start({ config: MEMBERS });
    const view = await silenceModal('U0BOB');
    const refused = await submitSilence(app, view.private_metadata, { kept: ['stage'], user: 'U0BOB' });
    expect(refused.body.errors[BLOCK.silenceMatch]).toBe(
      'Only members of the payments team may silence its exceptions.',
    );
    const allowed = await submitSilence(app, view.private_metadata, { kept: ['stage'], user: 'U0ANNA' });
    expect(allowed.body).toBeNull();
    await waitFor(async () => (await app.running.store.activeSilences(clock.now())).length === 1);
  });

  it('when the form is stale or forged, then it is refused with the reason', async () => {
    fresh();
    await start();
    const view = await silenceModal();
    const moved = encodeSilenceMetadata({ id: 1, team: 'fulfillment', channel: 'C0PAYMENTS' });
    expect((await submitSilence(app, moved, { kept: ['stage'] })).body.errors[BLOCK.silenceMatch]).toContain(
      'It moved to the payments team since this form was opened',
    );
    const missing = encodeSilenceMetadata({ id: 999, team: 'payments', channel: 'C0PAYMENTS' });
    expect((await submitSilence(app, missing, { kept: ['stage'] })).body.errors[BLOCK.silenceMatch]).toBe(
      'That exception no longer exists.',
    );
    for (const forged of [
      '{"id":1}',
      'not json',
      JSON.stringify({ id: 1, team: '<!channel>', channel: 'C' }),
    ]) {
      const reply = await submitSilence(app, forged, { kept: ['stage'] });
      expect(reply.body.errors[BLOCK.silenceReason]).toContain('could not be read');
    }
    const team = await submitSilence(app, view.private_metadata, { kept: ['team'] });
    expect(team.body.errors[BLOCK.silenceReason]).toContain('could not be read');
    expect(await app.running.store.activeSilences(clock.now())).toEqual([]);
  });

  it('when the same silence is asked for again for longer, then the active one is extended, and every step is audited', async () => {
    fresh();
    await start();
    const first = await silenceFor(60);
    const view = await openFromMenu(app, await postOf(app, 'cart_first'), 'silence');
    await submitSilence(app, view.private_metadata, { kept: ['error_code', 'stage'], duration: '4h' });
    await waitFor(async () => (await app.running.store.silenceAudit(first.id)).length === 2);
    const active = await app.running.store.activeSilences(clock.now());
    expect(active).toHaveLength(1);
    expect(active[0]?.endsAt).toBe(T0 + 4 * 60 * MINUTE);
    expect((await app.running.store.silenceAudit(first.id)).map((a) => a.action)).toEqual([
      'created',
      'extended',
    ]);
  });

  it('when the reason tries to ping or link, then every message shows it inert', async () => {
    fresh();
    await start();
    await silenceFor(30, '<!channel> see <https://evil.example|the runbook> & <@U0BOSS>');
    await raise(failure('cart_held'));
    await sweepAt(T0 + 31 * MINUTE);
    const texts = [
      ...app.slack.callsOf('chat.postMessage').map((c) => JSON.stringify([c.args.text, c.blocks])),
      await ask('silences'),
      await ask('cart_held'),
    ].join('\n');
    expect(texts).toContain('&lt;!channel&gt;');
    expect(texts).not.toContain('<!channel>');
    expect(texts).not.toContain('<https://evil.example');
    expect(texts).not.toContain('<@U0BOSS>');
  });
});

describe('when a silence ends', () => {
  it('when a failure-rate rule breaches under a silence, then its exception is held too, its figures move without a Slack call, and it is posted when the silence ends', async () => {
    fresh();
    const rates = [
      {
        name: 'psp',
        match: { stage: ['payment' as const] },
        windowMs: 15 * MINUTE,
        minAttempts: 40,
        above: 0.2,
      },
    ];
    await start({ config: { noise: { suppress: [], rates }, slaMs: {}, expect: [] } });
    await app.running.store.createSilence({
      team: 'payments',
      match: { stage: ['payment'] },
      reason: 'PSP maintenance',
      createdBy: 'U0ANNA',
      at: T0,
      endsAt: T0 + 60 * MINUTE,
    });
    const attempts = (n: number, ok: number, failed: number) =>
      raise(
        ...Array.from({ length: ok }, (_, i) =>
          anEvent({ cart_id: `ok_${n}_${i}`, occurred_at: iso(clock.now()) }),
        ),
        ...Array.from({ length: failed }, (_, i) =>
          failure(`bad_${n}_${i}`, { occurred_at: iso(clock.now()) }),
        ),
      );
    await attempts(1, 30, 20);
    await sweepAt(T0 + MINUTE);
    await attempts(2, 0, 10);
    await sweepAt(T0 + 3 * MINUTE);
    const db = new Database(app.dbPath, { readonly: true });
    const rate = db.prepare("SELECT silence_id, details FROM exceptions WHERE kind = 'rate'").all();
    db.close();
    expect(rate).toEqual([{ silence_id: 1, details: expect.stringContaining('"failures":30') }]);
    expect(rootPosts(app)).toHaveLength(0);
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);
    expect((await app.running.store.outboxHealth()).failed).toBe(0);

    await sweepAt(T0 + 61 * MINUTE);
    const told = rootPosts(app).map((c) => String(c.args.text));
    expect(told[0]).toContain('31 exceptions while it held');
    expect(told.some((t) => t.includes('Failing too often'))).toBe(true);
    expect((await app.running.store.outboxHealth()).failed).toBe(0);
  });

  it('when it runs out, then one summary tells what happened meanwhile and what is still open is posted below it, as a storm when many', async () => {
    fresh();
    // No SLA or expected step: the carts that succeed are done, not stalled.
    await start({ config: { slaMs: {}, expect: [] } });
    await silenceFor(60);
    const carts = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
    await raise(...carts.map((cart) => failure(cart)));
    // Two resolve themselves while it holds.
    await raise(
      anEvent({ cart_id: 'c6', status: 'succeeded', occurred_at: iso(T0 + MINUTE) }),
      anEvent({ cart_id: 'c7', status: 'succeeded', occurred_at: iso(T0 + MINUTE) }),
    );
    const before = rootPosts(app, 'C0PAYMENTS').length;
    await sweepAt(T0 + 59 * MINUTE);
    expect(
      rootPosts(app, 'C0PAYMENTS')
        .slice(before)
        .map((c) => c.args.text),
    ).toEqual([]);

    await sweepAt(T0 + 61 * MINUTE);
    const after = rootPosts(app, 'C0PAYMENTS').slice(before);
    expect(after.map((c) => c.args.text)).toEqual([
      expect.stringMatching(
        /^🔔 Silence 'PSP maintenance' by .+ ended: 7 exceptions while it held, 2 resolved themselves, 5 still open, posted below\.$/,
      ),
      expect.stringContaining('5 carts'),
    ]);
    // Released: escalation starts from now, and a second sweep (or a restart) tells nothing again.
    const [c1] = await app.running.store.exceptionsOfCart('c1');
    expect(c1?.escalateAt).toBe(T0 + 61 * MINUTE + 15 * MINUTE);
    await sweepAt(T0 + 62 * MINUTE);
    expect(rootPosts(app, 'C0PAYMENTS').slice(before)).toHaveLength(2);
  });

  it('when ended now from /cart-status silences, then it is told at once, audited, and the list is drawn again', async () => {
    fresh();
    await start();
    const silence = await silenceFor(60);
    await raise(failure('cart_held'));
    // Past cart_first's storm window: a like exception released within it would wait for a storm.
    clock.set(iso(T0 + 10 * MINUTE));
    const responseUrl = app.slack.responseUrl('silences');
    const value = JSON.stringify({ silence: silence.id });
    const before = rootPosts(app).length;
    await postInteraction(
      app.url,
      buttonPayload({ actionId: ACTION.endSilence, value, user: 'U0BEN', ephemeral: { responseUrl } }),
    );
    const [redrawn] = await app.slack.waitForCalls('response_url', 1);
    expect(redrawn?.args.text).toContain('Nothing is silenced');
    await drained();
    const told = rootPosts(app).slice(before);
    expect(told[0]?.args.text).toMatch(
      /ended early \(by .+\): 1 exception while it held, 1 still open, posted below/,
    );
    expect(told[1]?.args.text).toContain('cart_held');
    expect((await app.running.store.silenceAudit(silence.id)).map((a) => [a.action, a.actor])).toEqual([
      ['created', 'U0ALICE'],
      ['ended', 'U0BEN'],
    ]);
  });

  it("when someone outside the team's members clicks End now, then it is refused and the silence holds", async () => {
    fresh();
    await start({ config: MEMBERS });
    await raise(failure('cart_first'));
    const view = await openFromMenu(app, await postOf(app, 'cart_first'), 'silence', 'U0ANNA');
    await submitSilence(app, view.private_metadata, { kept: ['stage'], user: 'U0ANNA' });
    await waitFor(async () => (await app.running.store.activeSilences(clock.now())).length === 1);
    const [silence] = await app.running.store.activeSilences(clock.now());
    await postInteraction(
      app.url,
      buttonPayload({
        actionId: ACTION.endSilence,
        value: JSON.stringify({ silence: silence?.id }),
        user: 'U0BOB',
      }),
    );
    const [told] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(told?.args).toMatchObject({
      user: 'U0BOB',
      text: expect.stringContaining('Only members of the payments team'),
    });
    expect(await app.running.store.activeSilences(clock.now())).toHaveLength(1);
  });

  it('when Cartwatch restarts in the middle of a silence, then it still holds, and its end is told once', async () => {
    fresh();
    const temp = tempDir();
    running.push({ stop: async () => temp.cleanup() });
    const dbPath = `${temp.dir}/cw.db`;
    await start({ dbPath });
    await silenceFor(60);
    await app.stop();
    running.splice(running.indexOf(app), 1);

    await start({ dbPath });
    await raise(failure('cart_after_restart'));
    expect(rootPosts(app)).toHaveLength(0);
    await sweepAt(T0 + 61 * MINUTE);
    await app.stop();
    running.splice(running.indexOf(app), 1);
    const told = rootPosts(app).map((c) => c.args.text);
    expect(told).toEqual([
      expect.stringContaining('1 exception while it held'),
      expect.stringContaining('cart_after_restart'),
    ]);

    // And again after this restart: already told, nothing doubled.
    await start({ dbPath });
    await sweepAt(T0 + 62 * MINUTE);
    expect(rootPosts(app)).toHaveLength(0);
  });

  it('when Slack answers 429 as the silence ends, then the summary and what it held back wait, and each is posted once', async () => {
    fresh();
    await start();
    await silenceFor(60);
    await raise(failure('r1'), failure('r2'));
    const before = rootPosts(app).length;
    app.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 3);
    clock.set(iso(T0 + 61 * MINUTE));
    await app.running.sweepNow();
    // Each 429 puts the row back by its Retry-After on the app's clock: moving it on lets it go again.
    await waitFor(
      async () => {
        clock.advance(1100);
        app.running.sendNow();
        return (
          !app.slack.faultPending('chat.postMessage') &&
          (await app.running.store.outboxHealth()).pending === 0
        );
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the 429s to pass and the outbox to drain' },
    );
    const told = rootPosts(app)
      .slice(before)
      .map((c) => c.args.text);
    expect(told).toHaveLength(3);
    expect(told.filter((t) => t.includes('ended'))).toHaveLength(1);
    expect(told.filter((t) => t.includes('r1'))).toHaveLength(1);
    expect(told.filter((t) => t.includes('r2'))).toHaveLength(1);
    expect((await app.running.store.outboxHealth()).failed).toBe(0);
  });
});

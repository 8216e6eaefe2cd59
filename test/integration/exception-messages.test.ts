import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT, VIEW } from '../../src/slack/ids.js';
import { anEvent, at } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import {
  buttonPayload,
  postInteraction,
  slackSignature,
  viewSubmissionPayload,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

let app: SlackTestApp;

beforeEach(async () => {
  app = await startSlackTestApp();
});
afterEach(async () => {
  await app.stop();
});

const declined = (overrides: Record<string, unknown> = {}) =>
  anEvent({
    cart_id: 'cart_8842',
    status: 'failed',
    amount: { value: 12999, currency: 'USD' },
    error: { code: 'card_declined', message: 'Your card was declined.' },
    run_id: 'run-7',
    ...overrides,
  });

function buttonsOf(blocks: any[] | undefined): { text: string; action_id: string; value: string }[] {
  const actions = blocks?.find((block) => block.type === 'actions');
  return (actions?.elements ?? [])
    .filter((e: any) => e.type === 'button')
    .map((e: any) => ({
      text: e.text.text,
      action_id: e.action_id,
      value: e.value,
    }));
}

function rootPosts() {
  return app.slack.callsOf('chat.postMessage').filter((call) => call.args.thread_ts === undefined);
}

async function click(actionId: string, options: { user?: string; value?: string } = {}) {
  const post = rootPosts()[0];
  const updates = app.slack.callsOf('chat.update');
  const latestBlocks = updates.length > 0 ? updates[updates.length - 1]?.blocks : post?.blocks;
  const value = options.value ?? buttonsOf(latestBlocks).find((b) => b.action_id === actionId)?.value ?? '';
  const res = await postInteraction(
    app.url,
    buttonPayload({ actionId, value, ...(options.user && { user: options.user }) }),
  );
  expect(res.status).toBe(200);
}

describe('exception messages', () => {
  it('when a payment step fails, then the payments channel gets one message with Acknowledge, Reassign, Resolve and Timeline', async () => {
    expect((await app.postEvents(declined())).status).toBe(202);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args.channel).toBe('C0PAYMENTS');
    expect(post?.args.text).toContain('payment.authorize');
    expect(post?.args.text).toContain('USD 129.99 at risk');
    expect(buttonsOf(post?.blocks).map((b) => b.text)).toEqual([
      'Acknowledge',
      'Reassign',
      'Resolve',
      'Timeline',
    ]);
    const text = JSON.stringify(post?.blocks);
    for (const shown of [
      'cart_8842',
      'card_declined',
      'USD 129.99',
      'run-7',
      'payments team',
      'unclaimed',
      'Your card was declined.',
    ]) {
      expect(text).toContain(shown);
    }
  });

  it('when the same failure repeats, then the message is updated with the count and no second message is posted', async () => {
    await app.postEvents(declined());
    await app.slack.waitForCalls('chat.postMessage', 1);
    await app.postEvents(declined({ occurred_at: at(1) }));
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('(2×)');
    await waitFor(() => app.slack.callsOf('chat.postMessage').some((c) => c.args.thread_ts !== undefined));
    const thread = app.slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts !== undefined);
    expect(thread?.args.text).toContain('Seen again: 2 times');
    expect(rootPosts()).toHaveLength(1);
  });

  it('when a later step of the cart and stage succeeds, then the exception resolves itself and the message says so', async () => {
    await app.postEvents(declined());
    await app.slack.waitForCalls('chat.postMessage', 1);
    await app.postEvents(
      anEvent({ cart_id: 'cart_8842', step: 'authorize', status: 'succeeded', occurred_at: at(2) }),
    );
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    const text = JSON.stringify(update?.blocks);
    expect(text).toContain('Resolved automatically: a later step of this cart succeeded');
    expect(buttonsOf(update?.blocks).map((b) => b.text)).toEqual(['Timeline']);
  });

  it('when event text holds Slack markup and a card number, then it arrives escaped and masked', async () => {
    await app.postEvents(
      declined({
        error: {
          code: '<!channel>',
          message: '<!here> <https://evil.example|click> card 4242 4242 4242 4242 from bob@example.com',
        },
      }),
    );
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const text = JSON.stringify(post?.blocks) + (post?.args.text ?? '');
    expect(text).not.toMatch(/<!channel>|<!here>|<https:/);
    expect(text).toContain('&lt;!here&gt;');
    expect(text).toContain('•••• 4242');
    expect(text).not.toContain('4242 4242 4242 4242');
    expect(text).not.toContain('bob@example.com');
  });
});

describe('acting on an exception', () => {
  beforeEach(async () => {
    await app.postEvents(declined());
    await app.slack.waitForCalls('chat.postMessage', 1);
  });

  it('when Acknowledge is clicked, then the message shows who and offers Unacknowledge, and the thread names them without a ping', async () => {
    await click(ACTION.acknowledge, { user: 'U0ALICE' });
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Acknowledged by <@U0ALICE>');
    expect(buttonsOf(update?.blocks).map((b) => b.text)).toEqual([
      'Unacknowledge',
      'Reassign',
      'Resolve',
      'Timeline',
    ]);
    await waitFor(() => app.slack.callsOf('chat.postMessage').length >= 2);
    const note = app.slack.callsOf('chat.postMessage').find((c) => c.args.thread_ts !== undefined);
    expect(note?.args.text).toBe('User U0ALICE acknowledged this.');
    expect(note?.args.text).not.toContain('<@');
  });

  it('when Unacknowledge and then Resolve are clicked, then each updates the message and the audit trail', async () => {
    await click(ACTION.acknowledge);
    await app.slack.waitForCalls('chat.update', 1);
    await click(ACTION.unacknowledge);
    const updates = await app.slack.waitForCalls('chat.update', 2);
    expect(JSON.stringify(updates[1]?.blocks)).toContain('Open, unclaimed');
    await click(ACTION.resolve, { user: 'U0BOB' });
    const [, , resolved] = await app.slack.waitForCalls('chat.update', 3);
    expect(JSON.stringify(resolved?.blocks)).toContain('Resolved by <@U0BOB>');
    expect(buttonsOf(resolved?.blocks).map((b) => b.text)).toEqual(['Timeline']);
    const audit = await app.running.store.auditOf(1);
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['opened', 'cartwatch'],
      ['acknowledged', 'U0ALICE'],
      ['unacknowledged', 'U0ALICE'],
      ['resolved', 'U0BOB'],
    ]);
  });

  it('when a click comes from a message that is out of date, then the clicker is told privately and nothing is reopened', async () => {
    const staleValue =
      buttonsOf(rootPosts()[0]?.blocks).find((b) => b.action_id === ACTION.acknowledge)?.value ?? '';
    await click(ACTION.resolve);
    await app.slack.waitForCalls('chat.update', 1);
    await click(ACTION.acknowledge, { value: staleValue, user: 'U0CAROL' });
    const [ephemeral] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(ephemeral?.args.user).toBe('U0CAROL');
    expect(ephemeral?.args.text).toContain('changed since');
    expect((await app.running.store.findException(1))?.state).toBe('resolved');
  });

  it('when the request is unsigned or older than five minutes, then it gets 401 and changes nothing', async () => {
    const value = buttonsOf(rootPosts()[0]?.blocks)[0]?.value ?? '';
    const payload = buttonPayload({ actionId: ACTION.acknowledge, value });
    expect((await postInteraction(app.url, payload, { sign: false })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postInteraction(app.url, payload, { timestamp: stale })).status).toBe(401);
    expect((await postInteraction(app.url, payload, { secret: 'wrong' })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await app.running.store.findException(1))?.state).toBe('open');
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);
  });

  it('when resolved with a note from the menu, then the note is in the audit trail and the thread', async () => {
    const value = buttonsOf(rootPosts()[0]?.blocks)[0]?.value ?? '';
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.more, value, overflow: true }));
    const [open] = await app.slack.waitForCalls('views.open', 1);
    const view = JSON.parse(open?.args.view);
    expect(view.callback_id).toBe(VIEW.resolve);
    const values = {
      [BLOCK.resolveNote]: { [INPUT.resolveNote]: { type: 'plain_text_input', value: 'Refunded by hand' } },
    };
    const res = await postInteraction(
      app.url,
      viewSubmissionPayload({
        callbackId: VIEW.resolve,
        privateMetadata: view.private_metadata,
        values,
        user: 'U0BOB',
      }),
    );
    expect(res.status).toBe(200);
    const [update] = await app.slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Resolved by <@U0BOB>');
    const audit = await app.running.store.auditOf(1);
    expect(audit.at(-1)).toMatchObject({ action: 'resolved', actor: 'U0BOB', note: 'Refunded by hand' });
    await waitFor(() =>
      app.slack.callsOf('chat.postMessage').some((c) => String(c.args.text).includes('Refunded by hand')),
    );
  });

  it("when Timeline is clicked, then the cart's timeline goes to the clicker only", async () => {
    await click(ACTION.timeline, { user: 'U0CAROL' });
    const [ephemeral] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(ephemeral?.args).toMatchObject({ channel: 'C0PAYMENTS', user: 'U0CAROL' });
    const text = JSON.stringify(ephemeral?.blocks);
    expect(text).toContain('Cart cart_8842');
    expect(text).toContain('Cartwatch opened');
  });

  it('when a signed request is replayed, then the copy gets 401 and changes nothing', async () => {
    const value = buttonsOf(rootPosts()[0]?.blocks)[0]?.value ?? '';
    const payload = buttonPayload({ actionId: ACTION.acknowledge, value });
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(body) };
    const first = await fetch(`${app.url}/slack/events`, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    await app.slack.waitForCalls('chat.update', 1);
    const replay = await fetch(`${app.url}/slack/events`, { method: 'POST', headers, body });
    expect(replay.status).toBe(401);
    expect((await app.running.store.auditOf(1)).filter((a) => a.action === 'acknowledged')).toHaveLength(1);
  });

  it('when a forged button value is clicked, then nothing changes', async () => {
    await click(ACTION.resolve, { value: '{"id":999,"rev":0}' });
    await click(ACTION.resolve, { value: 'not json' });
    await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect((await app.running.store.findException(1))?.state).toBe('open');
  });
});

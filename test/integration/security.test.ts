import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { ACTION, BLOCK, encodeReassignMetadata, INPUT, VIEW } from '../../src/slack/ids.js';
import { INGEST_SECRET } from '../support/app.js';
import { startChild } from '../support/child.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import {
  buttonPayload,
  postInteraction,
  SIGNING_SECRET,
  viewSubmissionPayload,
} from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of running.splice(0)) await thing.stop();
});

const failure = (cart: string) =>
  anEvent({ cart_id: cart, status: 'failed', error: { code: 'card_declined' } });

/** Payments lists one person and one user group; everyone else is refused. */
async function startWithMembers(tuning = {}): Promise<SlackTestApp> {
  const slack = await new FakeSlack().start();
  slack.userGroups.set('S0PAYTEAM', ['U0BEN']);
  const teams = {
    ...DEFAULT_CONFIG.teams,
    payments: { channel: 'C0PAYMENTS', timezone: 'UTC', members: ['U0ANNA', 'S0PAYTEAM'] },
  };
  const app = await startSlackTestApp({ slack, config: { teams }, tuning });
  running.push(app, slack);
  return app;
}

function submission(callbackId: string, privateMetadata: string, user: string) {
  const values: Record<string, Record<string, Record<string, unknown>>> = [
    VIEW.resolve as string,
    VIEW.resolveGroup,
  ].includes(callbackId)
    ? { [BLOCK.resolveNote]: { [INPUT.resolveNote]: { type: 'plain_text_input', value: 'done' } } }
    : {
        [BLOCK.reassignTeam]: {
          [INPUT.reassignTeam]: {
            type: 'static_select',
            selected_option: { text: { type: 'plain_text', text: 'ops' }, value: 'ops' },
          },
        },
        [BLOCK.reassignPerson]: { [INPUT.reassignPerson]: { type: 'users_select', selected_user: null } },
        [BLOCK.reassignNote]: { [INPUT.reassignNote]: { type: 'plain_text_input', value: 'yours' } },
      };
  return viewSubmissionPayload({ callbackId, privateMetadata, values, user });
}

describe('team members', () => {
  it('when someone outside a team with members tries every action, then each is refused privately and nothing changes; a user-group member may act', async () => {
    const app = await startWithMembers();
    await app.postEvents(failure('cart_m'));
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    const metadata = encodeReassignMetadata({ id: 1, rev: 0, channel: 'C0PAYMENTS' });
    const attempts = [
      buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0EVE' }),
      buttonPayload({ actionId: ACTION.unacknowledge, value, user: 'U0EVE' }),
      buttonPayload({ actionId: ACTION.resolve, value, user: 'U0EVE' }),
      submission(VIEW.resolve, metadata, 'U0EVE'),
      submission(VIEW.reassign, metadata, 'U0EVE'),
    ];
    for (const payload of attempts) await postInteraction(app.url, payload);
    const refusals = await app.slack.waitForCalls('chat.postEphemeral', attempts.length);
    for (const refusal of refusals) {
      expect(refusal.args.user).toBe('U0EVE');
      expect(refusal.args.text).toMatch(/Only members of the payments team/);
    }
    const untouched = await app.running.store.findException(1);
    expect(untouched).toMatchObject({ state: 'open', team: 'payments', revision: 0 });
    expect(untouched?.assignee).toBeUndefined();
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);

    // U0BEN is listed only through the user group.
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0BEN' }));
    await app.slack.waitForCalls('chat.update', 1);
    expect((await app.running.store.findException(1))?.assignee).toBe('U0BEN');
  });

  it('when someone outside the team clicks Acknowledge all on a storm, then nothing is acknowledged; a member acknowledges every one', async () => {
    const app = await startWithMembers({ grouping: { min: 3, waitMs: 0 } });
    await app.postEvents(['c1', 'c2', 'c3'].map(failure));
    const group = await waitForGroupPost(app);
    const value = group.blocks?.find((b: any) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledgeAll, value, user: 'U0EVE' }));
    const [refusal] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(refusal?.args.text).toMatch(/Only members of the payments team/);
    for (const id of [1, 2, 3]) expect((await app.running.store.findException(id))?.state).toBe('open');

    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledgeAll, value, user: 'U0ANNA' }));
    await waitFor(async () => (await app.running.store.findException(3))?.state === 'acknowledged', {
      what: 'the storm acknowledged',
    });
    for (const id of [1, 2, 3]) expect((await app.running.store.findException(id))?.assignee).toBe('U0ANNA');
    // Each member's time to acknowledge is counted, as if acknowledged one by one.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain(
      'cartwatch_exception_handled_seconds_count{instance="test",action="acknowledge"} 3',
    );
  });

  it('when someone outside the team submits Resolve all on a storm, then nothing is resolved; a user-group member resolves every one', async () => {
    const app = await startWithMembers({ grouping: { min: 3, waitMs: 0 } });
    await app.postEvents(['c1', 'c2', 'c3'].map(failure));
    const group = await waitForGroupPost(app);
    const value = group.blocks
      ?.find((b: any) => b.type === 'actions')
      ?.elements.find((e: any) => e.action_id === ACTION.resolveAll).value;
    // The modal opens for anyone (a trigger_id cannot wait); the submission is what is checked.
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.resolveAll, value, user: 'U0EVE' }));
    const [modal] = await app.slack.waitForCalls('views.open', 1);
    const metadata = JSON.parse(modal?.args.view).private_metadata;
    await postInteraction(app.url, submission(VIEW.resolveGroup, metadata, 'U0EVE'));
    const [refusal] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(refusal?.args).toMatchObject({
      user: 'U0EVE',
      text: expect.stringMatching(/Only members of the payments team/),
    });
    for (const id of [1, 2, 3]) expect((await app.running.store.findException(id))?.state).toBe('open');
    expect(app.slack.callsOf('chat.update')).toHaveLength(0);

    // U0BEN is listed only through the user group.
    await postInteraction(app.url, submission(VIEW.resolveGroup, metadata, 'U0BEN'));
    await waitFor(async () => (await app.running.store.findException(3))?.state === 'resolved', {
      what: 'the storm resolved',
    });
    for (const id of [1, 2, 3]) {
      expect(await app.running.store.findException(id)).toMatchObject({
        state: 'resolved',
        resolvedBy: 'U0BEN',
      });
      expect((await app.running.store.auditOf(id)).at(-1)).toMatchObject({
        action: 'resolved',
        actor: 'U0BEN',
        note: 'with the rest of its group: done',
      });
    }
  });

  it('when the user group cannot be read, then its people are refused rather than let in', async () => {
    const app = await startWithMembers();
    app.slack.userGroups.delete('S0PAYTEAM');
    await app.postEvents(failure('cart_g'));
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0BEN' }));
    const [refusal] = await app.slack.waitForCalls('chat.postEphemeral', 1);
    expect(refusal?.args.text).toMatch(/Only members/);
    expect((await app.running.store.findException(1))?.state).toBe('open');
  });
});

async function waitForGroupPost(app: SlackTestApp) {
  await waitFor(() => app.slack.callsOf('chat.postMessage').some((c) => /3 carts/.test(c.args.text)), {
    what: 'the grouped message',
  });
  return app.slack.callsOf('chat.postMessage').find((c) => /3 carts/.test(c.args.text)) as {
    blocks?: any[];
  };
}

describe('logs', () => {
  it('when Cartwatch runs at the default log level through failures of every kind, then no secret and no event payload reaches its output', async () => {
    const temp = tempDir();
    const slack = await new FakeSlack().start();
    running.push(slack, { stop: async () => temp.cleanup() });
    slack.failNext('chat.postMessage', { status: 500 });
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const secrets = {
      CARTWATCH_INGEST_SECRET: INGEST_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-secret-bot-token-4242',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SHOPIFY_WEBHOOK_SECRET: 'shpss_secret_shopify_4242',
      STRIPE_WEBHOOK_SECRET: 'whsec_secret_stripe_4242',
    };
    const configPath = path.join(temp.dir, 'cartwatch.yml');
    writeFileSync(configPath, 'teams:\n  payments: { channel: C0PAY }\nroutes:\n  - { team: payments }\n');
    const child = await startChild({
      ...secrets,
      CARTWATCH_DB: path.join(temp.dir, 'logs.db'),
      CARTWATCH_CONFIG: configPath,
      SLACK_API_URL: slack.url,
      LOG_LEVEL: '',
    });
    const marker = 'PAYLOAD_MARKER customer jane.doe@example.com 4111111111111111';
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${child.url}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_SECRET}`, 'content-type': 'application/json', ...headers },
        body,
      }).then((res) => res.status);
    const statuses = [
      await post(
        JSON.stringify([failure('cart_log_1'), { ...failure('cart_log_2'), error: { message: marker } }]),
      ),
      await post(JSON.stringify({ ...failure('cart_log_3'), error: { code: 'x', message: marker } })),
      await post(JSON.stringify({ ...failure('cart_log_4'), error: { code: 'y', message: marker } })),
      await post(`{"broken": "${marker}`),
      await post(JSON.stringify(anEvent({ step: marker, stage: 'nope' }))),
      await post('{}', { authorization: `Bearer ${marker}` }),
      await fetch(`${child.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'stripe-signature': stripeSignature(marker, secrets.STRIPE_WEBHOOK_SECRET) },
        body: marker,
      }).then((res) => res.status),
    ];
    expect(statuses).toEqual([202, 202, 202, 400, 400, 401, 400]);
    await waitFor(() => slack.callsOf('chat.postMessage').length >= 2, { timeoutMs: 20_000, what: 'posts' });
    const health = await (await fetch(`${child.url}/healthz`)).text();
    const metrics = await (await fetch(`${child.url}/metrics`)).text();
    child.process.kill('SIGTERM');
    await child.exited;

    const output = child.output();
    expect(output).toContain('channel_not_found'); // it did log the failures …
    for (const secret of Object.values(secrets)) expect(output).not.toContain(secret);
    for (const text of [output, health, metrics]) {
      expect(text).not.toContain('PAYLOAD_MARKER');
      expect(text).not.toContain('jane.doe');
      expect(text).not.toContain('4111111111111111');
    }
  }, 40_000);
});

function stripeSignature(body: string, secret: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { ACTION, BLOCK, INPUT, VIEW } from '../../src/slack/ids.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import {
  buttonPayload,
  commandPayload,
  eventCallback,
  viewSubmissionPayload,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

const APP_TOKEN = 'xapp-1-A0CARTWATCH-test';

let slack: FakeSlack;
let socket: FakeSocketMode;
let app: TestApp;

beforeEach(async () => {
  slack = await new FakeSlack().start();
  socket = await new FakeSocketMode(slack).start();
  // No signing secret: in Socket Mode nothing arrives over HTTP from Slack.
  app = await startTestApp({
    env: { slackBotToken: 'xoxb-test-token', slackAppToken: APP_TOKEN, slackApiUrl: slack.url },
  });
  await socket.waitForConnections(1);
  await waitForHealthySlack();
});
afterEach(async () => {
  await app.stop();
  await socket.stop();
  await slack.stop();
});

async function waitForHealthySlack(): Promise<void> {
  await waitFor(
    async () => {
      const health = await (await fetch(`${app.url}/healthz`)).json();
      return health.slack.state === 'connected';
    },
    { what: 'GET /healthz to report Slack connected' },
  );
}

function latestBlocks(): any[] | undefined {
  const updates = slack.callsOf('chat.update');
  return updates.length > 0
    ? updates[updates.length - 1]?.blocks
    : slack.callsOf('chat.postMessage')[0]?.blocks;
}

function buttonValue(actionId: string): string {
  const actions = latestBlocks()?.find((block) => block.type === 'actions');
  return actions?.elements.find((e: any) => e.action_id === actionId)?.value ?? '';
}

const publishesFor = (user: string) =>
  slack.callsOf('views.publish').filter((call) => call.args.user_id === user).length;

async function raiseFailure(): Promise<void> {
  const failed = anEvent({ cart_id: 'cart_sock', status: 'failed', error: { code: 'processing_error' } });
  expect((await app.postEvents(failed)).status).toBe(202);
  await slack.waitForCalls('chat.postMessage', 1);
}

describe('Socket Mode', () => {
  it('when Slack refuses the app-level token at start, then Cartwatch starts anyway, logs the fix, says so in /healthz, and connects once Slack accepts it', async () => {
    await app.stop();
    slack.failNext('apps.connections.open', { error: 'invalid_auth' });
    const logged: string[] = [];
    const sink = { out: (line: string) => logged.push(line), err: (line: string) => logged.push(line) };
    app = await startTestApp({
      env: { slackBotToken: 'xoxb-test-token', slackAppToken: APP_TOKEN, slackApiUrl: slack.url },
      logger: createLogger('error', { sink }),
    });
    await waitFor(
      async () => {
        const health = await (await fetch(`${app.url}/healthz`)).json();
        return health.slack.detail === 'Socket Mode disconnected: invalid_auth';
      },
      { what: 'the refusal in /healthz' },
    );
    expect((await app.postEvents(anEvent())).status).toBe(202);
    expect(logged.join('')).toContain(
      'Socket Mode could not connect (invalid_auth): Slack refused SLACK_APP_TOKEN; create an app-level token with the connections:write scope',
    );
    // The next attempt (a second later) gets a URL: the scripted refusal was a one-off.
    await socket.waitForConnections(2);
    await waitForHealthySlack();
  });

  it('when Cartwatch runs with an app-level token, then it connects through apps.connections.open and answers nothing over HTTP', async () => {
    const [open] = slack.callsOf('apps.connections.open');
    expect(open?.token).toBe(APP_TOKEN);
    const res = await fetch(`${app.url}/slack/events`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  it('when an exception is posted and worked from Slack, then clicks, the modal, /cart-status and Home all go over the socket, each envelope acknowledged', async () => {
    await raiseFailure();

    const ackClick = socket.interactive(
      buttonPayload({ actionId: ACTION.acknowledge, value: buttonValue(ACTION.acknowledge), user: 'U0ANNA' }),
    );
    expect((await socket.waitForAck(ackClick)).payload).toEqual({});
    const [update] = await slack.waitForCalls('chat.update', 1);
    expect(JSON.stringify(update?.blocks)).toContain('Acknowledged by');

    socket.interactive(buttonPayload({ actionId: ACTION.reassign, value: buttonValue(ACTION.reassign) }));
    const [open] = await slack.waitForCalls('views.open', 1);
    const modal = JSON.parse(open?.args.view);
    expect(modal.callback_id).toBe(VIEW.reassign);
    const submission = socket.interactive(
      viewSubmissionPayload({
        callbackId: VIEW.reassign,
        privateMetadata: modal.private_metadata,
        values: {
          [BLOCK.reassignTeam]: {
            [INPUT.reassignTeam]: {
              type: 'static_select',
              selected_option: { text: { type: 'plain_text', text: 'fulfillment' }, value: 'fulfillment' },
            },
          },
          [BLOCK.reassignPerson]: { [INPUT.reassignPerson]: { type: 'users_select', selected_user: null } },
          [BLOCK.reassignNote]: {
            [INPUT.reassignNote]: { type: 'plain_text_input', value: 'Warehouse owns this one' },
          },
        },
      }),
    );
    await socket.waitForAck(submission);
    await waitFor(() => slack.callsOf('chat.postMessage').some((call) => call.args.channel === 'C0FULFIL'), {
      what: 'the exception posted in the fulfillment channel',
    });

    const command = socket.slashCommand(commandPayload('cart_sock'));
    const reply = (await socket.waitForAck(command)).payload;
    expect(reply?.response_type).toBe('ephemeral');
    const timeline = JSON.stringify(reply);
    expect(timeline).toContain('cart_sock');
    expect(timeline).toContain('Warehouse owns this one');

    const home = socket.eventsApi(eventCallback({ type: 'app_home_opened', user: 'U0BEN', tab: 'home' }));
    await socket.waitForAck(home);
    await waitFor(() => publishesFor('U0BEN') === 1, { what: "U0BEN's Home published" });

    const audit = await app.running.store.auditOf(1);
    expect(audit.map((entry) => entry.action)).toEqual(['opened', 'acknowledged', 'reassigned']);
  });

  it('when Slack recycles the connection and then re-delivers envelopes, then the bot reconnects and nothing happens twice', async () => {
    await raiseFailure();
    const homeOpened = eventCallback({ type: 'app_home_opened', user: 'U0ANNA', tab: 'home' });
    await socket.waitForAck(socket.eventsApi(homeOpened));
    const click = buttonPayload({ actionId: ACTION.acknowledge, value: buttonValue(ACTION.acknowledge) });
    await socket.waitForAck(socket.interactive(click));
    await slack.waitForCalls('chat.update', 1);
    await waitFor(() => publishesFor('U0ANNA') === 1 && publishesFor('U0ALICE') === 1, {
      what: 'Home published for the opener and the clicker',
    });

    socket.disconnect('refresh_requested');
    await socket.waitForConnections(2);
    await waitForHealthySlack();
    expect(socket.connections[0]?.closed).toBe(true);
    expect(slack.callsOf('apps.connections.open')).toHaveLength(2);

    // Slack did not see the acks in time, so it sends both again, marked as retries.
    const again = socket.eventsApi(homeOpened, { retryAttempt: 1, retryReason: 'timeout' });
    const clickAgain = socket.interactive(click, { retryAttempt: 1, retryReason: 'timeout' });
    await socket.waitForAck(again);
    await socket.waitForAck(clickAgain);
    // A new delivery after them is handled, on the new connection: once it is, the repeats were not.
    await socket.waitForAck(
      socket.eventsApi(eventCallback({ type: 'app_home_opened', user: 'U0BEN', tab: 'home' })),
    );
    await waitFor(() => publishesFor('U0BEN') === 1, { what: "U0BEN's Home published" });

    expect(publishesFor('U0ANNA')).toBe(1);
    expect(publishesFor('U0ALICE')).toBe(1);
    expect(slack.callsOf('chat.update')).toHaveLength(1);
    const audit = await app.running.store.auditOf(1);
    expect(audit.map((entry) => entry.action)).toEqual(['opened', 'acknowledged']);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction, postSlackEvent } from '../support/slack-requests.js';

let app: SlackTestApp;
beforeEach(async () => {
  app = await startSlackTestApp();
});
afterEach(async () => {
  await app.stop();
});

const viewOf = (call: { args: Record<string, any> } | undefined) => JSON.parse(call?.args.view ?? '{}');

describe('App Home', () => {
  it("when the Home tab is opened, then it shows what is assigned to the viewer and their teams' open counts, and is redrawn after they act", async () => {
    await app.postEvents(anEvent({ cart_id: 'h1', status: 'failed', error: { code: 'card_declined' } }));
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);

    expect(
      (
        await postSlackEvent(app.url, {
          type: 'app_home_opened',
          user: 'U0ANNA',
          channel: 'D0HOME',
          tab: 'home',
        })
      ).status,
    ).toBe(200);
    const [first] = await app.slack.waitForCalls('views.publish', 1);
    expect(first?.args.user_id).toBe('U0ANNA');
    expect(JSON.stringify(viewOf(first))).toContain('Nothing is assigned to you');
    expect(JSON.stringify(viewOf(first))).toContain('*payments* · payment: 1 open, 0 acknowledged');

    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value, user: 'U0ANNA' }));
    const publishes = await app.slack.waitForCalls('views.publish', 2);
    const second = JSON.stringify(viewOf(publishes[1]));
    expect(second).toContain('Assigned to you: 1');
    expect(second).toContain('cart `h1`');
    expect(second).toContain('0 open, 1 acknowledged');
  });
});

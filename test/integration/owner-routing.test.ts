import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/defaults.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';

let app: SlackTestApp;
afterEach(async () => {
  await app.stop();
});

describe('routing by the owner an event names', () => {
  it('when a failure names its owner and a route matches that owner, then its exception goes to that team', async () => {
    app = await startSlackTestApp({
      config: {
        routes: [{ match: { owner: ['fulfillment'] }, team: 'fulfillment' }, ...DEFAULT_CONFIG.routes],
      },
    });
    const failed = anEvent({
      cart_id: 'cart_owned',
      status: 'failed',
      owner: 'fulfillment',
      error: { code: 'timeout' },
    });
    expect((await app.postEvents(failed)).status).toBe(202);
    const [post] = await app.slack.waitForCalls('chat.postMessage', 1);
    expect(post?.args.channel).toBe(DEFAULT_CONFIG.teams.fulfillment?.channel);
    expect(JSON.stringify(post?.blocks)).toContain('owner is fulfillment');
  });
});

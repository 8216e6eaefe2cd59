import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { eventCallback, postEventCallback } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

let app: SlackTestApp;
beforeEach(async () => {
  app = await startSlackTestApp();
});
afterEach(async () => {
  await app.stop();
});

const publishesFor = (user: string) =>
  app.slack.callsOf('views.publish').filter((call) => call.args.user_id === user).length;

describe('Events API retries over HTTP', () => {
  it('when Slack retries an event Cartwatch already handled, then the retry is answered 200 and changes nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const opened = eventCallback({ type: 'app_home_opened', user: 'U0ANNA', tab: 'home' });
    expect((await postEventCallback(app.url, opened, { timestamp: now - 2 })).status).toBe(200);
    await waitFor(() => publishesFor('U0ANNA') === 1, { what: "U0ANNA's Home published" });

    const retry = await postEventCallback(app.url, opened, { retryNum: 1, timestamp: now - 1 });
    expect(retry.status).toBe(200);
    // A new event after the retry is handled; once it is, the retry had its chance to run.
    const next = eventCallback({ type: 'app_home_opened', user: 'U0BEN', tab: 'home' });
    expect((await postEventCallback(app.url, next, { timestamp: now })).status).toBe(200);
    await waitFor(() => publishesFor('U0BEN') === 1, { what: "U0BEN's Home published" });
    expect(publishesFor('U0ANNA')).toBe(1);
  });

  it('when Slack retries an event whose first delivery never arrived, then the retry is handled', async () => {
    const lost = eventCallback({ type: 'app_home_opened', user: 'U0CARA', tab: 'home' });
    expect((await postEventCallback(app.url, lost, { retryNum: 2 })).status).toBe(200);
    await waitFor(() => publishesFor('U0CARA') === 1, { what: "U0CARA's Home published" });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { postCommand, slackSignature } from '../support/slack-requests.js';

let app: SlackTestApp;

beforeAll(async () => {
  app = await startSlackTestApp();
});
afterAll(async () => {
  await app.stop();
});

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** Bodies Cartwatch refuses as not an envelope it handles, once they are known to come from Slack. */
const MALFORMED = [
  { type: FORM, body: `payload=${encodeURIComponent('null')}` },
  { type: FORM, body: `payload=${encodeURIComponent('{"type":"block_actions","actions":"x"}')}` },
  { type: JSON_TYPE, body: '{"type": "event_callback", "event": null}' },
  { type: JSON_TYPE, body: 'not json at all' },
];

async function post(body: string, contentType: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** Slack calls other than the start-up identity check: a refused request makes none. */
const slackCalls = () => app.slack.calls.filter((c) => c.method !== 'auth.test').length;

describe('requests to /slack/events are verified before anything else', () => {
  it('when a malformed body comes unsigned, then it gets 401, not 400, and the reply says nothing of its shape', async () => {
    const before = slackCalls();
    for (const { type, body } of MALFORMED) {
      const res = await post(body, type);
      expect(res.status, body).toBe(401);
      expect(res.text, body).toContain('not signed by Slack');
      expect(res.text, body).not.toMatch(/payload|JSON|envelope/);
    }
    expect(slackCalls()).toBe(before);
  });

  it('when a body is signed with another secret or tampered with, then it gets 401 whatever its shape', async () => {
    for (const { type, body } of MALFORMED) {
      const res = await post(body, type, slackSignature(body, { secret: 'not-the-signing-secret' }));
      expect(res.status, body).toBe(401);
    }
    const good = 'command=%2Fcart-status&text=help&user_id=U0ALICE';
    const tampered = await post(`${good}x`, FORM, slackSignature(good));
    expect(tampered.status).toBe(401);
  });

  it('when the signature is older than five minutes, then a well-formed command and a malformed body both get 401', async () => {
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    const command = await postCommand(app.url, 'help', { timestamp: stale });
    expect(command.status).toBe(401);
    for (const { type, body } of MALFORMED) {
      const res = await post(body, type, slackSignature(body, { timestamp: stale }));
      expect(res.status, body).toBe(401);
    }
  });

  it('when the timestamp header is missing or not a number, then it gets 401', async () => {
    const body = MALFORMED[0]?.body ?? '';
    const { 'x-slack-signature': signature } = slackSignature(body);
    expect((await post(body, FORM, { 'x-slack-signature': signature })).status).toBe(401);
    const bad = { 'x-slack-signature': signature, 'x-slack-request-timestamp': 'soon' };
    expect((await post(body, FORM, bad)).status).toBe(401);
  });

  it('when a malformed body is correctly signed, then it gets 400 naming the problem', async () => {
    for (const { type, body } of MALFORMED) {
      const res = await post(body, type, slackSignature(body));
      expect(res.status, body).toBe(400);
      expect(res.text, body).toMatch(/not JSON|not a Slack request Cartwatch handles/);
    }
  });

  it('when a signed request is replayed, then the copy gets 401 even if its body is malformed', async () => {
    const { type, body } = MALFORMED[0] ?? { type: FORM, body: '' };
    // A timestamp of its own: the same body was signed above, and that signature is spent.
    const headers = slackSignature(body, { timestamp: Math.floor(Date.now() / 1000) - 30 });
    expect((await post(body, type, headers)).status).toBe(400);
    expect((await post(body, type, headers)).status).toBe(401);
  });

  it('when a correctly signed command arrives, then it is answered as before', async () => {
    const res = await postCommand(app.url, 'help');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toContain('/cart-status');
  });
});

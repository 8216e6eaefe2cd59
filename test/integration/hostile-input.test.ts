import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, encodeReassignMetadata, INPUT, VIEW } from '../../src/slack/ids.js';
import { INGEST_SECRET } from '../support/app.js';
import { anEvent } from '../support/events.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import {
  buttonPayload,
  postCommand,
  postInteraction,
  postSlackEvent,
  slackSignature,
  viewSubmissionPayload,
} from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

const SHOPIFY_SECRET = 'shopify-hostile-secret';
const STRIPE_SECRET = 'whsec_hostile_secret';
// Enough runs to find the odd input, few enough to keep the suite to seconds.
const RUNS = { numRuns: 60 };

let app: SlackTestApp;
let db: Database.Database;

beforeAll(async () => {
  app = await startSlackTestApp({
    env: { shopifyWebhookSecret: SHOPIFY_SECRET, stripeWebhookSecret: STRIPE_SECRET },
    tuning: { httpTimeouts: { headersMs: 500, requestMs: 1000 } },
  });
  db = new Database(app.dbPath, { readonly: true });
});
afterAll(async () => {
  db.close();
  await app.stop();
});

/** Everything a hostile request could change: stored rows and Slack calls. */
function state() {
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    events: count('events'),
    exceptions: count('exceptions'),
    audit: count('exception_audit'),
    // A private reply to the person who clicked is allowed; nothing anyone else sees.
    outbox: count("outbox WHERE kind != 'ephemeral'"),
    slack: app.slack.calls
      .filter((c) => c.method !== 'chat.postEphemeral' && c.method !== 'auth.test')
      .map((c) => c.method),
  };
}

async function postRaw(path: string, body: string | Uint8Array, headers: Record<string, string>) {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, text: await res.text() };
}

const ingestHeaders = { authorization: `Bearer ${INGEST_SECRET}`, 'content-type': 'application/json' };

/** A value no string field can accept. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

describe('hostile /events bodies', () => {
  it('when a field has the wrong type, an unknown value, or is missing, then 400 names it and nothing is stored', async () => {
    const broken = fc.oneof(
      fc.record({
        field: fc.constantFrom('id', 'cart_id', 'stage', 'step', 'status', 'occurred_at', 'source'),
        value: fc.oneof(notAString, fc.constant(undefined)),
      }),
      fc.record({
        field: fc.constantFrom('stage', 'status'),
        value: fc.string().filter((s) => !/^(checkout|payment|started|succeeded|failed)$/.test(s)),
      }),
      fc.record({
        field: fc.constant('occurred_at'),
        value: fc.constantFrom(
          '+275760-09-13T00:00:00.001Z',
          '2026-13-40T00:00:00Z',
          '0000-00-00T00:00:00Z',
          'NaN',
          'Infinity',
          '1e309',
          'yesterday',
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(broken, fc.boolean(), async ({ field, value }, inBatch) => {
        const before = state();
        const event = anEvent({ [field]: value });
        const body = inBatch ? [anEvent(), event] : event;
        const res = await postRaw('/events', JSON.stringify(body), ingestHeaders);
        expect(res.status).toBe(400);
        expect(res.text).toContain(field);
        expect(state()).toEqual(before);
      }),
      RUNS,
    );
  });

  it('when the body is any JSON or any bytes at all, then the answer is never a server error, and a refusal stores nothing', async () => {
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary' }),
      fc.uint8Array({ maxLength: 2000 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const before = state();
        const res = await postRaw('/events', payload, ingestHeaders);
        expect(res.status).toBeLessThan(500);
        if (res.status !== 202) {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(JSON.parse(res.text).error).toEqual(expect.any(String));
          expect(state()).toEqual(before);
        }
      }),
      RUNS,
    );
  });

  it('when attributes carry __proto__, constructor or prototype keys, then nothing is polluted and the keys are kept as data', async () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
    await fc.assert(
      fc.asyncProperty(key, fc.jsonValue(), async (name, value) => {
        const raw = `{"id":"evt_proto_${Math.random()}","cart_id":"cart_proto","stage":"checkout","step":"open","status":"started","occurred_at":"2026-11-27T09:00:00Z","source":"web","attributes":{${JSON.stringify(name)}:${JSON.stringify(value)},"nested":{${JSON.stringify(name)}:{"polluted":true}}}}`;
        const res = await postRaw('/events', raw, ingestHeaders);
        expect(res.status).toBeLessThan(500);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype.toString.call([])).toBe('[object Array]');
      }),
      { numRuns: 30 },
    );
  });

  it('when a number is NaN, the text is not UTF-8, or the body is 1 MiB + 1 byte, then it answers 4xx and stores nothing', async () => {
    const before = state();
    const nan = JSON.stringify(anEvent({ value: 1 })).replace('"value":1', '"value":NaN');
    expect((await postRaw('/events', nan, ingestHeaders)).status).toBe(400);
    const invalidUtf8 = Buffer.concat([
      Buffer.from('{"id":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    expect((await postRaw('/events', invalidUtf8, ingestHeaders)).status).toBe(400);
    const huge = JSON.stringify(anEvent({ error: { code: 'x', message: '' } }));
    const padded = huge.replace('"message":""', `"message":"${'a'.repeat(1024 * 1024 + 1 - huge.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(1024 * 1024 + 1);
    expect((await postRaw('/events', padded, ingestHeaders)).status).toBe(413);
    expect(state()).toEqual(before);
  });

  it('when a client trickles its body, then the server cuts it off with 408 and stores nothing', async () => {
    const before = state();
    const body = JSON.stringify(anEvent());
    const socket = connect(new URL(app.url).port as unknown as number, '127.0.0.1');
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      `POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${INGEST_SECRET}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length && !socket.destroyed) socket.write(body[sent++] ?? '');
    }, 200);
    await closed;
    clearInterval(trickle);
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(sent).toBeLessThan(body.length);
    expect(state()).toEqual(before);
  });
});

describe('hostile webhook bodies', () => {
  it('when a correctly signed Shopify or Stripe body is anything at all, then the answer is never a server error and no event is stored from junk', async () => {
    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc.constant('{"id": 1e999, "type": "payment_intent.succeeded"}'),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (payload, toShopify) => {
        const before = state();
        const res = toShopify
          ? await postRaw('/webhooks/shopify', payload, {
              'content-type': 'application/json',
              'x-shopify-topic': 'orders/create',
              'x-shopify-webhook-id': `wh_${Math.random()}`,
              'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(payload).digest('base64'),
            })
          : await postRaw('/webhooks/stripe', payload, {
              'content-type': 'application/json',
              'stripe-signature': stripeSignature(payload),
            });
        expect(res.status).toBeLessThan(500);
        expect(state().slack).toEqual(before.slack);
        expect(state().exceptions).toBe(before.exceptions);
      }),
      RUNS,
    );
  });

  it('when a webhook is unsigned or signed with another secret, then it answers 401 and nothing changes', async () => {
    const before = state();
    const body = JSON.stringify({ id: 1, type: 'payment_intent.succeeded' });
    const stripe = await postRaw('/webhooks/stripe', body, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(body, 'whsec_other'),
    });
    const shopify = await postRaw('/webhooks/shopify', body, {
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
    });
    expect([stripe.status, shopify.status]).toEqual([401, 401]);
    expect(state()).toEqual(before);
  });
});

function stripeSignature(body: string, secret = STRIPE_SECRET): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

describe('hostile Slack requests', () => {
  it('when /cart-status gets any text at all, then the reply is private and nothing changes', async () => {
    // One base second for the whole property: a timestamp per run that never repeats (a base read per
    // run could give two runs the same timestamp when the clock ticks, and a repeat is a replay).
    const base = Math.floor(Date.now() / 1000);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constant('<!channel> <@U123>')),
        async (text) => {
          const before = state();
          // A fresh timestamp per run: fast-check repeats inputs, and a repeated signature is a replay.
          const res = await postCommand(app.url, text, {
            timestamp: base - runs++,
          });
          expect(res.status).toBe(200);
          const reply = (await res.json()) as { response_type?: string; text?: string };
          expect(reply.response_type ?? 'ephemeral').toBe('ephemeral');
          expect(JSON.stringify(reply)).not.toMatch(/<!channel>|<@U123>/);
          expect(state()).toEqual(before);
        },
      ),
      RUNS,
    );
  });

  it('when a modal submission carries a string where actions would be, then it gets 400, not 500', async () => {
    const payload = JSON.stringify({
      type: 'view_submission',
      view: { callback_id: VIEW.reassign, private_metadata: '"Ln"', state: { values: {} } },
      user: { id: 'U0ANNA' },
      actions: '&U ',
    });
    const body = new URLSearchParams({ payload }).toString();
    const before = state();
    const res = await fetch(`${app.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(body) },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('actions');
    expect(state()).toEqual(before);
  });

  it('when an interaction payload is forged (any JSON, unknown actions, values naming no exception), then nothing changes and the server stays up', async () => {
    const forged = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
      fc
        .record({
          actionId: fc.oneof(fc.string(), fc.constantFrom(...Object.values(ACTION))),
          value: fc.oneof(
            fc.string(),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc.record({ id: fc.integer({ min: 1000 }), rev: fc.nat() }).map((v) => JSON.stringify(v)),
          ),
        })
        .map((click) => JSON.stringify(buttonPayload(click))),
      // Real envelope types with made-up insides, our own modals' ids included.
      fc
        .record({
          type: fc.constantFrom(
            'block_actions',
            'view_submission',
            'view_closed',
            'shortcut',
            'block_suggestion',
          ),
          view: fc.oneof(
            fc.jsonValue(),
            fc.record({
              callback_id: fc.constantFrom(...Object.values(VIEW)),
              private_metadata: fc.oneof(
                fc.string(),
                fc.jsonValue().map((v) => JSON.stringify(v)),
              ),
              state: fc.oneof(fc.jsonValue(), fc.record({ values: fc.jsonValue() })),
            }),
          ),
          user: fc.oneof(fc.jsonValue(), fc.record({ id: fc.string() })),
          actions: fc.oneof(
            fc.jsonValue(),
            fc.array(fc.record({ action_id: fc.constantFrom(...Object.values(ACTION)) })),
          ),
        })
        .map((payload) => JSON.stringify(payload)),
    );
    // Sent all at once: what no listener takes is answered by Bolt only after Slack's 3 seconds.
    const before = state();
    const statuses = await Promise.all(
      fc.sample(forged, { numRuns: 80 }).map(async (payload) => {
        const body = new URLSearchParams({ payload }).toString();
        const res = await fetch(`${app.url}/slack/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(body) },
          body,
        });
        await res.text();
        return { status: res.status, payload };
      }),
    );
    expect(statuses.filter(({ status }) => status >= 500)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(state()).toEqual(before);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

/** Every string Slack would format in a call: the fallback `text` and each mrkdwn or plain_text object. */
function textsOf(value: unknown, out: { mrkdwn: string[]; plain: string[] } = { mrkdwn: [], plain: [] }) {
  if (Array.isArray(value)) for (const item of value) textsOf(item, out);
  else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.text === 'string') {
      if (object.type === 'plain_text') out.plain.push(object.text);
      else out.mrkdwn.push(object.text);
    }
    for (const [key, child] of Object.entries(object))
      if (key !== 'text' || typeof child !== 'string') textsOf(child, out);
  }
  return out;
}

const HOSTILE =
  '<!channel> <!here> <@U123> <https://x|y> &lt;b&gt; \u202Eevil\u202C 4111 1111 1111 1111 a@b.co';
// Masked everywhere; mentions and links only matter where Slack formats (plain_text never does).
const UNMASKED = ['\u202E', '4111 1111 1111 1111', 'a@b.co'];
const LIVE_MARKUP = ['<!channel>', '<!here>', '<@U123>', '<https://x|y>'];

describe('event text in every Slack surface', () => {
  it('when event text and notes hold mentions, links, entities, RTL overrides and card numbers, then the message, thread, timeline, digest and Home show them inert and masked', async () => {
    const cart = 'cart_hostile<!here>';
    await app.postEvents(
      anEvent({
        cart_id: cart,
        step: 'capture <!channel>',
        status: 'failed',
        error: { code: '<@U123>', message: HOSTILE },
        attributes: { note: HOSTILE },
      }),
    );
    const root = (await app.slack.waitForCalls('chat.postMessage', 1)).find((c) =>
      c.args.text.includes('cart_hostile'),
    );
    const value = root?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    const { id, rev } = JSON.parse(value) as { id: number; rev: number };

    // Thread: resolved with a hostile note. Timeline: the button's modal and /cart-status.
    const posted = app.slack.calls.length;
    await postInteraction(
      app.url,
      viewSubmissionPayload({
        callbackId: VIEW.resolve,
        privateMetadata: encodeReassignMetadata({ id, rev, channel: 'C0PAYMENTS' }),
        values: {
          [BLOCK.resolveNote]: { [INPUT.resolveNote]: { type: 'plain_text_input', value: HOSTILE } },
        },
      }),
    );
    await waitFor(() => app.slack.calls.slice(posted).some((c) => c.args.thread_ts !== undefined), {
      what: 'the resolution note',
    });
    await postInteraction(app.url, buttonPayload({ actionId: ACTION.timeline, value }));
    await app.slack.waitForCalls('chat.postEphemeral', 1);
    const status = await (await postCommand(app.url, cart)).json();
    // Digest and Home.
    await app.running.digests.run('payments', { evenOnFirstDay: true });
    await waitFor(
      () => app.slack.calls.some((c) => c.method === 'chat.postMessage' && /digest/i.test(c.args.text)),
      {
        what: 'the digest',
      },
    );
    await postSlackEvent(app.url, { type: 'app_home_opened', user: 'U0ALICE', tab: 'home' });
    await app.slack.waitForCalls('views.publish', 1);

    const surfaces = {
      message: app.slack.calls.filter(
        (c) =>
          c.method === 'chat.postMessage' && c.args.thread_ts === undefined && !/digest/i.test(c.args.text),
      ),
      edits: app.slack.callsOf('chat.update'),
      thread: app.slack.calls.filter((c) => c.args.thread_ts !== undefined),
      timeline: app.slack.callsOf('chat.postEphemeral'),
      digest: app.slack.calls.filter((c) => c.method === 'chat.postMessage' && /digest/i.test(c.args.text)),
      home: app.slack.callsOf('views.publish'),
    };
    for (const [surface, calls] of Object.entries(surfaces)) {
      expect(calls.length, surface).toBeGreaterThan(0);
      const texts = textsOf(
        calls.map((c) => ({ text: c.args.text, blocks: c.blocks, view: safeParse(c.args.view) })),
      );
      expectInert(texts, surface);
    }
    expectInert(textsOf(status), 'cart-status');
    // The event's own words still show, as text: "&lt;b&gt;" reads as typed.
    const message = textsOf(surfaces.message.map((c) => c.blocks));
    expect(message.mrkdwn.join('\n')).toContain('&amp;lt;b&amp;gt;');
  });
});

function expectInert(texts: { mrkdwn: string[]; plain: string[] }, surface: string) {
  expect(texts.mrkdwn.length + texts.plain.length, surface).toBeGreaterThan(0);
  for (const text of [...texts.mrkdwn, ...texts.plain])
    for (const bad of UNMASKED) expect(text, `${surface} shows ${JSON.stringify(bad)}`).not.toContain(bad);
  for (const text of texts.mrkdwn)
    for (const bad of LIVE_MARKUP) expect(text, `${surface} shows ${JSON.stringify(bad)}`).not.toContain(bad);
  // In mrkdwn an entity from the event must stay an entity: "&lt;" shown as typed, never as "<".
  for (const text of texts.mrkdwn) expect(text, surface).not.toContain('&lt;b&gt;');
}

function safeParse(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

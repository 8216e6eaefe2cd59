import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_SECRET, startTestApp, type TestApp } from '../support/app.js';
import { anEvent } from '../support/events.js';

let app: TestApp;

beforeEach(async () => {
  app = await startTestApp();
});
afterEach(async () => {
  await app.stop();
});

function storedIds(): string[] {
  const db = new Database(app.dbPath, { readonly: true });
  try {
    return db
      .prepare('SELECT id FROM events ORDER BY seq')
      .all()
      .map((row) => (row as { id: string }).id);
  } finally {
    db.close();
  }
}

describe('POST /events', () => {
  it('when one valid event is sent, then it answers 202 with the count and stores it', async () => {
    const event = anEvent();
    const reply = await app.postEvents(event);
    expect(reply).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    expect(storedIds()).toEqual([event.id]);
  });

  it('when an array of events is sent, then all are stored', async () => {
    const events = [anEvent(), anEvent(), anEvent()];
    const reply = await app.postEvents(events);
    expect(reply).toEqual({ status: 202, body: { accepted: 3, duplicates: 0 } });
    expect(storedIds()).toEqual(events.map((e) => e.id));
  });

  it('when NDJSON is sent, then every line is stored and blank lines are ignored', async () => {
    const events = [anEvent(), anEvent()];
    const raw = `${JSON.stringify(events[0])}\n\n${JSON.stringify(events[1])}\n`;
    const reply = await app.postEvents(null, { raw, contentType: 'application/x-ndjson' });
    expect(reply).toEqual({ status: 202, body: { accepted: 2, duplicates: 0 } });
    expect(storedIds()).toHaveLength(2);
  });

  it('when an event id repeats, then it is counted as a duplicate and stored once', async () => {
    const event = anEvent();
    await app.postEvents(event);
    const reply = await app.postEvents([event, anEvent({ id: event.id })]);
    expect(reply).toEqual({ status: 202, body: { accepted: 0, duplicates: 2 } });
    expect(storedIds()).toEqual([event.id]);
  });

  it('when one event of a batch is invalid, then every issue is listed by index and path and nothing is stored', async () => {
    const batch = [
      anEvent(),
      anEvent({ stage: 'shipping', status: 'done' }),
      anEvent({ cart_id: undefined }),
    ];
    const reply = await app.postEvents(batch);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('2 of 3 events are invalid');
    expect(reply.body.issues).toEqual([
      { index: 1, path: 'stage', message: expect.stringContaining('stage must be one of') },
      { index: 1, path: 'status', message: expect.stringContaining('status must be one of') },
      { index: 2, path: 'cart_id', message: expect.stringContaining('needs cart_id or a correlation key') },
    ]);
    expect(storedIds()).toEqual([]);
  });

  it('when fields are misspelt, hostile or out of range, then each is named and nothing is stored', async () => {
    const hostile = JSON.parse(
      '{"id":"e1","cart_id":"c","stage":"payment","step":"x","status":"failed","occurred_at":"2026-13-40T00:00:00Z",' +
        '"source":"s","stauts":"failed","__proto__":{"admin":true},"amount":{"value":12.5,"currency":"usd"}}',
    );
    const reply = await app.postEvents(hostile);
    expect(reply.status).toBe(400);
    const paths = reply.body.issues.map((issue: { path: string }) => issue.path).sort();
    expect(paths).toEqual(['__proto__', 'amount.currency', 'amount.value', 'occurred_at', 'stauts']);
    expect(storedIds()).toEqual([]);
  });

  it('when attributes exceed 16 KiB or step exceeds 100 characters, then the event is refused', async () => {
    const reply = await app.postEvents([
      anEvent({ attributes: { blob: 'x'.repeat(17 * 1024) } }),
      anEvent({ step: 's'.repeat(101) }),
    ]);
    expect(reply.status).toBe(400);
    expect(reply.body.issues.map((i: { path: string }) => i.path)).toEqual(['attributes', 'step']);
  });

  it('when the body is not JSON, not UTF-8 or empty, then it answers 400 and stores nothing', async () => {
    expect((await app.postEvents(null, { raw: '{"id": ' })).status).toBe(400);
    expect((await app.postEvents(null, { raw: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) })).body.error).toContain(
      'UTF-8',
    );
    expect((await app.postEvents(null, { raw: '[]' })).body.error).toContain('no events');
    const ndjson = await app.postEvents(null, {
      raw: `${JSON.stringify(anEvent())}\nnot json\n`,
      contentType: 'application/x-ndjson',
    });
    expect(ndjson.status).toBe(400);
    expect(ndjson.body.issues).toEqual([{ index: 1, path: '', message: 'line 2 is not valid JSON' }]);
    expect(storedIds()).toEqual([]);
  });

  it('when the event text holds Slack markup, then it is stored verbatim as data', async () => {
    const event = anEvent({ error: { code: 'x', message: '<!channel> <https://evil|click>' } });
    expect((await app.postEvents(event)).status).toBe(202);
    const cart = await app.getCart('cart_1');
    expect(cart.body.events[0].error.message).toBe('<!channel> <https://evil|click>');
  });
});

describe('POST /events auth and limits', () => {
  it('when no credentials are sent, then it answers 401 and stores nothing', async () => {
    const reply = await app.postEvents(anEvent(), { auth: 'none' });
    expect(reply.status).toBe(401);
    expect(storedIds()).toEqual([]);
  });

  it('when the bearer token is wrong, then it answers 401', async () => {
    const reply = await app.postEvents(anEvent(), {
      auth: 'none',
      headers: { authorization: 'Bearer nope' },
    });
    expect(reply.status).toBe(401);
    expect(storedIds()).toEqual([]);
  });

  it('when the body is signed with the secret, then it is accepted; a tampered body is refused', async () => {
    expect((await app.postEvents(anEvent(), { auth: 'signature' })).status).toBe(202);
    const signedFor = JSON.stringify(anEvent());
    const tampered = await app.postEvents(null, {
      raw: signedFor.replace('succeeded', 'failed'),
      auth: 'none',
      headers: { 'x-cartwatch-signature': (await import('../support/app.js')).signIngest(signedFor) },
    });
    expect(tampered.status).toBe(401);
    expect(storedIds()).toHaveLength(1);
  });

  it('when the method is not POST, then it answers 405 with Allow', async () => {
    const res = await fetch(`${app.url}/events`, { headers: { authorization: `Bearer ${INGEST_SECRET}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('when the content type is not JSON or NDJSON, then it answers 415', async () => {
    const reply = await app.postEvents(anEvent(), { contentType: 'text/plain' });
    expect(reply.status).toBe(415);
    expect(storedIds()).toEqual([]);
  });

  it('when the body is over 1 MiB, then it answers 413 and stores nothing', async () => {
    const big = JSON.stringify([anEvent({ attributes: { pad: 'x'.repeat(1024 * 1024) } })]);
    const reply = await app.postEvents(null, { raw: big });
    expect(reply.status).toBe(413);
    expect(storedIds()).toEqual([]);
  });
});

describe('POST /events configured', () => {
  it('when no ingest secret is configured, then every request is refused', async () => {
    const closed = await startTestApp({
      env: { ingestSecret: undefined, slackBotToken: 'xoxb-1', slackSigningSecret: 's' },
    });
    try {
      const reply = await closed.postEvents(anEvent());
      expect(reply.status).toBe(401);
      expect(reply.body.error).toContain('CARTWATCH_INGEST_SECRET');
    } finally {
      await closed.stop();
    }
  });

  it('when ingest.max_body is smaller, then a body over it answers 413', async () => {
    const small = await startTestApp({ config: { ingest: { maxBodyBytes: 512 } } });
    try {
      const reply = await small.postEvents([anEvent(), anEvent(), anEvent(), anEvent()]);
      expect(reply.status).toBe(413);
      expect((await small.postEvents(anEvent())).status).toBe(202);
    } finally {
      await small.stop();
    }
  });
});

describe('POST /events hostile nesting', () => {
  it('when attributes nest hundreds of thousands of levels deep, then it answers 400, not a server error', async () => {
    const deep = `{"a":${'['.repeat(300_000)}${']'.repeat(300_000)}}`;
    const event = JSON.stringify(anEvent()).replace(/}$/, `,"attributes":${deep}}`);
    const reply = await app.postEvents(null, { raw: event });
    expect(reply.status).toBe(400);
    expect(reply.body.issues).toEqual([
      { index: 0, path: 'attributes', message: expect.stringContaining('nest at most') },
    ]);
  });
});

describe('GET /carts/{id}', () => {
  it('when a cart has a failed step, then its timeline lists the exception with its audit trail', async () => {
    await app.postEvents(anEvent({ cart_id: 'cart_e', status: 'failed', error: { code: 'card_declined' } }));
    await app.running.detectNow();
    const cart = await app.getCart('cart_e');
    expect(cart.status).toBe(200);
    expect(cart.body.exceptions).toEqual([
      expect.objectContaining({
        kind: 'failed',
        state: 'open',
        stage: 'payment',
        step: 'authorize',
        error_code: 'card_declined',
        team: 'payments',
        audit: [expect.objectContaining({ actor: 'cartwatch', action: 'opened' })],
      }),
    ]);
  });

  it('when the id is unknown or the secret is missing, then it answers 404 or 401', async () => {
    expect((await app.getCart('nothing_here')).status).toBe(404);
    expect((await app.getCart('cart_e', {})).status).toBe(401);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/store/postgres/connection.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { anEvent } from '../support/events.js';
import { asSuperuser, freshPostgresUrl } from '../support/postgres.js';
import { waitFor } from '../support/wait-for.js';

// The producer's side of a commit whose outcome is unknown, through the real app on Postgres.
let app: TestApp;
let raw: Sql;
beforeEach(async () => {
  app = await startTestApp({ dbPath: await freshPostgresUrl() });
  raw = connect(app.dbPath, { max: 1, applicationName: 'test-holder' });
});
afterEach(async () => {
  await raw.end({ timeout: 1 });
  await app.stop();
});

describe('ingest on Postgres when the connection is lost', () => {
  it('when the backend recording a batch is terminated, then ingest answers 503 and the producer retry is stored once', async () => {
    expect((await app.postEvents(anEvent({ id: 'first', cart_id: 'cart_x' }))).status).toBe(202);
    // Hold the cart's row so the next batch waits inside its transaction, where it is terminated.
    let release = () => {};
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = raw.begin(async (tx) => {
      await tx`SELECT 1 FROM carts WHERE cart_id = 'cart_x' FOR UPDATE`;
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await isLocked;
    const second = anEvent({ id: 'second', cart_id: 'cart_x' });
    const reply = app.postEvents(second);
    const db = new URL(app.dbPath).pathname.slice(1);
    await waitFor(
      async () =>
        (
          await asSuperuser(
            (sql) => sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = ${db} AND wait_event_type = 'Lock' AND application_name = 'cartwatch'`,
          )
        ).length > 0,
      { intervalMs: 50, what: 'the ingest transaction to wait on the row' },
    );
    const refused = await reply;
    expect(refused.status).toBe(503);
    expect(refused.body.error).toContain('retry later');
    release();
    await holding;

    expect(await app.postEvents(second)).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    expect(await app.postEvents(second)).toEqual({ status: 202, body: { accepted: 0, duplicates: 1 } });
    const cart = await app.getCart('cart_x');
    expect(cart.status).toBe(200);
    expect(JSON.stringify(cart.body).match(/"second"/g)).toHaveLength(1);
  });
});

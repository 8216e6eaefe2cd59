import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/ids.js';
import { ROLLUPS_SINCE_VERSION } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { CLI } from '../support/child.js';
import { sharedClockEnv } from '../support/clock-env.js';
import { anEvent, newEvents } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const run = promisify(execFile);
const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function migrate(
  sqliteFile: string,
  url: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'migrate', '--to', url], {
      env: { PATH: process.env.PATH ?? '', CARTWATCH_DB: sqliteFile, ...sharedClockEnv() },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const CARTS = ['cart_up_1', 'cart_up_2', 'ord_up_2'];

/** What /cart-status and a cart's timeline read: histories, exceptions and their audit trails. */
async function whatUsersSee(store: Store, silenceId: number) {
  const carts = [];
  for (const id of CARTS) {
    const history = await store.findCartHistory(id);
    const exceptions = history?.cartId ? await store.exceptionsOfCart(history.cartId) : [];
    const audits = [];
    for (const exception of exceptions) audits.push(await store.auditOf(exception.id));
    carts.push({ id, history, exceptions, audits });
  }
  return {
    carts,
    silence: await store.findSilence(silenceId),
    silenceAudit: await store.silenceAudit(silenceId),
    createdAt: await store.createdAt(),
    trendsSince: await store.trendsSince(),
    cursorEventsLeft: (await store.eventsAfter(await store.detectionCursor(), 100)).events.length,
  };
}

async function drained(app: SlackTestApp): Promise<void> {
  await waitFor(async () => (await app.running.store.outboxHealth()).pending === 0, {
    what: 'the outbox sent',
  });
}

describe('moving up: cartwatch migrate --to postgres://…', () => {
  it('when a SQLite database is moved to Postgres, then Cartwatch on Postgres shows the same carts, exceptions, silence and digest, and raises or posts nothing twice', async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const file = path.join(temp.dir, 'cartwatch.db');

    const before = await startSlackTestApp({ slack, dbPath: file });
    await before.postEvents([
      anEvent({ cart_id: 'cart_up_1', status: 'failed', error: { code: 'processing_error' } }),
      anEvent({ cart_id: 'cart_up_2', stage: 'checkout', step: 'submit' }),
      anEvent({ cart_id: 'cart_up_2', order_id: 'ord_up_2', status: 'failed', error: { code: 'timeout' } }),
    ]);
    await before.running.detectNow();
    const [first, second] = await slack.waitForCalls('chat.postMessage', 2);
    const value = first?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(before.url, buttonPayload({ actionId: ACTION.acknowledge, value }));
    const now = Date.now();
    const { silence } = await before.running.store.createSilence({
      team: 'fulfillment',
      match: { stage: ['fulfillment'] },
      reason: 'carrier maintenance',
      createdBy: 'U0ALICE',
      at: now,
      endsAt: now + HOUR,
      channel: 'C0FULFIL',
    });
    expect(await before.running.digests.run('payments', { evenOnFirstDay: true })).toBe('posted');
    await before.running.sweepNow();
    await before.running.detectNow();
    await drained(before);
    const seen = await whatUsersSee(before.running.store, silence.id);
    const posted = slack.callsOf('chat.postMessage').length;
    await before.stop();
    // As a database made before trends were counted: its trends began a day after it did.
    const sqlite = new Database(file);
    sqlite
      .prepare('UPDATE schema_migrations SET applied_at = ? WHERE version = ?')
      .run(new Date(seen.createdAt + 24 * HOUR).toISOString(), ROLLUPS_SINCE_VERSION);
    // And as if it had stopped in the middle of a Slack call: a row still leased.
    sqlite
      .prepare(
        `INSERT INTO outbox (kind, channel, payload, state, due_at, claimed_until, created_at)
         VALUES ('ephemeral', 'C0PAYMENTS', ?, 'pending', ?, ?, ?)`,
      )
      .run(JSON.stringify({ user: 'U0ALICE', text: 'cut off by the stop' }), now, now + HOUR, now);
    sqlite.close();
    seen.trendsSince = seen.createdAt + 24 * HOUR;
    // And an event stored after detection's last batch: the one thing Postgres must still detect.
    const late = SqliteStore.open(file);
    await late.recordEvents(
      newEvents(
        anEvent({
          cart_id: 'cart_up_4',
          stage: 'order',
          step: 'create',
          status: 'failed',
          error: { code: 'db_down' },
        }),
      ),
      { receivedAt: Date.now() },
    );
    await late.close();

    const url = await freshPostgresUrl();
    const moved = await migrate(file, url);
    expect(moved.stderr).toBe(`copying ${file} into ${url} in one transaction…\n`);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/ {2}events +4 +4\n/);
    expect(moved.stdout).toMatch(/ {2}exceptions +2 +2\n/);
    expect(moved.stdout).toMatch(/ {2}outbox +7 +7\n/);
    expect(moved.stdout).toContain('set CARTWATCH_DB=');

    const after = await startSlackTestApp({ slack, dbPath: url });
    cleanups.push(() => after.stop());
    // Postgres's feed holds back rows while an older transaction anywhere on the server may still
    // commit before them (another test file's, under load): detection looks again, and so does this.
    await waitFor(
      async () => {
        await after.running.detectNow();
        return (await after.running.store.exceptionsOfCart('cart_up_4')).length > 0;
      },
      { what: 'the late event detected on Postgres' },
    );
    await after.running.sweepNow();
    await drained(after);
    const { cursorEventsLeft, ...rest } = await whatUsersSee(after.running.store, silence.id);
    expect({ ...rest, cursorEventsLeft: 0 }).toEqual({ ...seen, cursorEventsLeft: 0 });
    expect(cursorEventsLeft).toBe(0);
    // Nothing detected on SQLite was raised or posted again; the late event was, once.
    expect(await after.running.store.exceptionsOfCart('cart_up_4')).toMatchObject([{ id: 3, state: 'open' }]);
    await slack.waitForCalls('chat.postMessage', posted + 1);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(posted + 1);
    // The write cut off by the stop was released as a restart would, and sent by the new instance.
    const [cutOff] = await slack.waitForCalls('chat.postEphemeral', 1);
    expect(cutOff?.args.text).toBe('cut off by the stop');
    expect(await after.running.digests.run('payments', { evenOnFirstDay: true })).toBe('already_ran');

    // A message posted from SQLite keeps working: its button acts on the moved exception, and the
    // same message is updated.
    const updates = slack.callsOf('chat.update').length;
    const secondValue = second?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;
    await postInteraction(after.url, buttonPayload({ actionId: ACTION.acknowledge, value: secondValue }));
    const update = (await slack.waitForCalls('chat.update', updates + 1))[updates];
    expect(update?.args.ts).toBe(second?.reply?.ts);
    expect(JSON.stringify(update?.blocks)).toContain('Acknowledged by <@U0ALICE>');

    // New rows take new ids: the sequences continue after SQLite's.
    // (At checkout: a third payment failure would wait to be grouped with the first two.)
    await after.postEvents(
      anEvent({
        cart_id: 'cart_up_3',
        stage: 'checkout',
        step: 'submit',
        status: 'failed',
        error: { code: 'http_500' },
      }),
    );
    await after.running.detectNow();
    // (Counted by cart: the acknowledgement above adds a thread reply of its own, in its own time.)
    const postsOf = (cart: string) =>
      slack.callsOf('chat.postMessage').filter((call) => JSON.stringify(call.blocks ?? []).includes(cart));
    await waitFor(() => postsOf('cart_up_3').length > 0, { what: 'the new exception posted' });
    const [raised] = await after.running.store.exceptionsOfCart('cart_up_3');
    expect(raised?.id).toBe(4);
    expect(postsOf('cart_up_3')).toHaveLength(1);
  });

  it('when the Postgres database already holds Cartwatch data, then migrate refuses and changes nothing', async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const file = path.join(temp.dir, 'cartwatch.db');
    const app = await startSlackTestApp({ dbPath: file });
    await app.postEvents(anEvent({ cart_id: 'cart_twice' }));
    await app.stop();
    const url = await freshPostgresUrl();
    expect((await migrate(file, url)).code).toBe(0);

    const again = await migrate(file, url);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds Cartwatch data (table events has rows)');
    expect(again.stdout).toBe('');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import { ACTION } from '../../src/slack/ids.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { TestAppOptions } from '../support/app.js';
import { anEvent, newEvents } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { freshPostgresUrl } from '../support/postgres.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { buttonPayload, postInteraction } from '../support/slack-requests.js';
import { waitFor } from '../support/wait-for.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeSlack(): Promise<FakeSlack> {
  const slack = await new FakeSlack().start();
  cleanups.push(() => slack.stop());
  return slack;
}

async function appOn(
  url: string,
  slack: FakeSlack,
  options: { instance: string; tuning?: TestAppOptions['tuning'] },
): Promise<SlackTestApp> {
  const app = await startSlackTestApp({
    slack,
    dbPath: url,
    env: { instance: options.instance },
    ...(options.tuning && { tuning: options.tuning }),
  });
  cleanups.push(() => app.stop());
  return app;
}

const rootPosts = (slack: FakeSlack) =>
  slack.callsOf('chat.postMessage').filter((call) => call.args.thread_ts === undefined);

/** Polling this slow never fires within a test: only a wake-up can. */
const NEVER_POLL = { detectorPollMs: 600_000, outboxPollMs: 600_000 };

describe('Cartwatch on Postgres, through the real Bolt app', () => {
  it('when a payment fails, then its exception is posted to Slack, and Acknowledge updates the message', async () => {
    const slack = await fakeSlack();
    const app = await appOn(await freshPostgresUrl(), slack, { instance: 'solo' });
    const posted = await app.postEvents(
      anEvent({ cart_id: 'cart_pg_1', status: 'failed', error: { code: 'processing_error' } }),
    );
    expect(posted).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    const [post] = await slack.waitForCalls('chat.postMessage', 1);
    expect(JSON.stringify(post?.blocks)).toContain('cart_pg_1');
    const value = post?.blocks?.find((b) => b.type === 'actions')?.elements[0].value;

    const click = await postInteraction(app.url, buttonPayload({ actionId: ACTION.acknowledge, value }));
    expect(click.status).toBe(200);
    const [update] = await slack.waitForCalls('chat.update', 1);
    expect(update?.args.ts).toBe(post?.reply?.ts);
    expect(JSON.stringify(update?.blocks)).toContain('Acknowledged by <@U0ALICE>');
    const [exception] = await app.running.store.exceptionsOfCart('cart_pg_1');
    expect(exception).toMatchObject({ state: 'acknowledged', assignee: 'U0ALICE' });
  });

  it('when two instances share the database and events reach both, then each exception is posted once', async () => {
    const slack = await fakeSlack();
    const url = await freshPostgresUrl();
    const apps = [await appOn(url, slack, { instance: 'a' }), await appOn(url, slack, { instance: 'b' })];
    // Six carts, each failing in its own way (distinct failures are never grouped into a storm), each
    // sent to one instance and then repeated through the other.
    const failures = [1, 2, 3, 4, 5, 6].map((n) =>
      anEvent({ cart_id: `cart_two_${n}`, status: 'failed', error: { code: `code_${n}` } }),
    );
    await Promise.all(failures.map((event, i) => apps[i % 2]?.postEvents(event)));
    await Promise.all(failures.map((event, i) => apps[(i + 1) % 2]?.postEvents(event)));
    await waitFor(() => rootPosts(slack).length >= 6, { what: 'six root posts' });
    await Promise.all(apps.map((app) => app.running.detectNow()));
    // Longer than a pace and a poll or two: a second post, if any were coming, would be here by now.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const carts = rootPosts(slack).map((call) => /cart_two_\d/.exec(JSON.stringify(call.blocks))?.[0]);
    expect(carts.sort()).toEqual(failures.map((event) => event.cart_id).sort());
  });

  it('when another instance commits events, then this one detects and posts them at once, with polling far off', async () => {
    const slack = await fakeSlack();
    const url = await freshPostgresUrl();
    await appOn(url, slack, { instance: 'listening', tuning: NEVER_POLL });
    // The other instance is a bare store: its commit reaches this app only as a notification.
    const other = await PostgresStore.open(url, NO_DUE_POLICY, { instance: 'writer' });
    cleanups.push(() => other.close());
    await waitFor(() => slack.callsOf('chat.postMessage').length === 0, { what: 'a quiet start' });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const startedAt = Date.now();
    await other.recordEvents(
      newEvents(anEvent({ cart_id: 'cart_woken', status: 'failed', error: { code: 'processing_error' } })),
      { receivedAt: Date.now() },
    );
    const [post] = await slack.waitForCalls('chat.postMessage', 1, 3_000);
    expect(JSON.stringify(post?.blocks)).toContain('cart_woken');
    expect(Date.now() - startedAt).toBeLessThan(3_000);

    // And an outbox row another instance queued is sent by this one's worker, woken the same way.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.enqueueEphemeral({
      channel: 'C0PAYMENTS',
      user: 'U0ALICE',
      text: 'only for you',
      at: Date.now(),
    });
    const [ephemeral] = await slack.waitForCalls('chat.postEphemeral', 1, 3_000);
    expect(ephemeral?.args.text).toBe('only for you');
  });
});

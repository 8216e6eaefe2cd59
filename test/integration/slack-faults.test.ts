import { afterEach, describe, expect, it } from 'vitest';
import { anEvent } from '../support/events.js';
import { FakeSlack, type SlackCall } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { waitFor } from '../support/wait-for.js';

const PACE_MS = 200;
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of running.splice(0)) await thing.stop();
});

const failure = (cart: string, stage = 'payment') =>
  anEvent({ cart_id: cart, stage, status: 'failed', error: { code: `declined_${cart}` } });

async function health(app: SlackTestApp) {
  return (await fetch(`${app.url}/healthz`)).json() as Promise<any>;
}

/** Keeps ingest busy with harmless events and records every answer, until stopped. */
function steadyIngest(app: SlackTestApp) {
  const statuses: number[] = [];
  const answeredAt: number[] = [];
  let stopped = false;
  let n = 0;
  const loop = async () => {
    while (!stopped) {
      // Happening now: a fixture's past date would let the sweep find these carts stalled when the run is slow.
      const busy = anEvent({
        cart_id: `busy_${n++ % 50}`,
        stage: 'checkout',
        occurred_at: new Date().toISOString(),
      });
      const res = await app.postEvents([busy]);
      statuses.push(res.status);
      answeredAt.push(Date.now());
    }
  };
  const lanes = [loop(), loop()];
  return {
    statuses,
    answeredBetween: (from: number, to: number) => answeredAt.filter((t) => t >= from && t <= to).length,
    async stop() {
      stopped = true;
      await Promise.all(lanes);
    },
  };
}

/** Calls that reached a message: its root post, then edits of it and replies in its thread. */
function callsAbout(calls: SlackCall[], rootTs: string): SlackCall[] {
  return calls.filter((c) => c.reply?.ts === rootTs || c.args.ts === rootTs || c.args.thread_ts === rootTs);
}

describe('Slack faults', () => {
  it('when Slack rate-limits, fails, hangs and then cannot be reached, then ingest keeps answering 202, health shows it, and the outbox drains everything in order at its pace, coalesced', async () => {
    const slack = await new FakeSlack().start();
    running.push(slack);
    const app = await startSlackTestApp({ slack, tuning: { postIntervalMs: PACE_MS, slackTimeoutMs: 300 } });
    running.push(app);
    const ingest = steadyIngest(app);

    // Healthy: the first exception is posted.
    await app.postEvents(failure('cart_a'));
    await slack.waitForCalls('chat.postMessage', 1);

    // A burst of 429s, then 500s, then a call that hangs past the client's timeout.
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 3);
    slack.failNext('chat.postMessage', { status: 500 }, 2);
    slack.failNext('chat.postMessage', { hang: true });
    await app.postEvents([failure('cart_b'), failure('cart_c'), failure('cart_d', 'fulfillment')]);
    await waitFor(async () => (await health(app)).slack.state === 'degraded', { what: 'degraded health' });

    // Slack unreachable for a stretch, while cart_a keeps failing and new exceptions arrive.
    await slack.refuseConnections();
    const downFrom = Date.now();
    for (let i = 0; i < 5; i++) await app.postEvents(failure('cart_a'));
    await app.postEvents([failure('cart_e'), failure('cart_f', 'fulfillment')]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const downHealth = await health(app);
    const downTo = Date.now();
    await slack.restart();

    await waitFor(
      async () => {
        const h = await health(app);
        return h.outbox.pending === 0 && h.slack.state === 'connected';
      },
      { timeoutMs: 30_000, what: 'the outbox to drain and health to clear' },
    );
    await ingest.stop();

    // Ingest never waited on Slack: every request got 202, outage included.
    expect(ingest.statuses.length).toBeGreaterThan(0);
    expect(ingest.statuses.filter((s) => s !== 202)).toEqual([]);
    expect(ingest.answeredBetween(downFrom, downTo)).toBeGreaterThan(0);
    expect(downHealth.slack.state).toBe('degraded');
    expect(downHealth.slack.detail).toMatch(/request failed|HTTP|rate limited/);

    // Nothing dropped: each exception was posted exactly once and knows its message.
    const posts = slack.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === undefined);
    const carts = posts.map((c) => /cart (\S+)/.exec(c.args.text)?.[1]).sort();
    expect(carts).toEqual(['cart_a', 'cart_b', 'cart_c', 'cart_d', 'cart_e', 'cart_f']);
    expect((await health(app)).outbox).toMatchObject({ pending: 0, failed: 0 });
    for (let id = 1; id <= 6; id++)
      expect((await app.running.store.findException(id))?.slackTs).toBeDefined();

    // cart_a's five repeats while Slack was away came back as one edit with the final count.
    const a = await app.running.store.findException(1);
    const edits = slack.callsOf('chat.update').filter((c) => c.args.ts === a?.slackTs);
    expect(a?.count).toBe(6);
    expect(edits.length).toBeLessThanOrEqual(2);
    expect(JSON.stringify(edits.at(-1)?.blocks)).toContain('6');

    // In order per message: the root post comes before every edit and reply of it.
    for (const post of posts) {
      const about = callsAbout(slack.calls, post.reply?.ts as string);
      expect(about[0]).toBe(post);
    }
    // At no more than the pace per channel.
    for (const channel of ['C0PAYMENTS', 'C0FULFIL']) {
      const times = slack
        .callsOf('chat.postMessage')
        .filter((c) => c.args.channel === channel)
        .map((c) => c.at);
      for (let i = 1; i < times.length; i++)
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(PACE_MS - 10);
    }
  }, 60_000);
});

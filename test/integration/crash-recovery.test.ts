import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { INGEST_SECRET } from '../support/app.js';
import { type ChildCartwatch, startChild } from '../support/child.js';
import { longStandingDatabase } from '../support/database.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { SIGNING_SECRET } from '../support/slack-requests.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

const CONFIG = `
timezone: UTC
teams:
  payments: { channel: C0PAY }
  fulfillment: { channel: C0SHIP }
  ops: { channel: C0OPS }
routes:
  - { match: { stage: payment }, team: payments }
  - { match: { stage: fulfillment }, team: fulfillment }
  - { team: ops }
sla: { checkout: 30m }
escalation: { after: 1d, channel: C0MANAGERS }
digest: { at: "00:00", skip_quiet: false }
`;
const TEAMS = 3;

type Expected = { kind: 'failed' | 'stalled'; state: 'open' | 'resolved' };

/**
 * One producer: its scripted requests (the carts that must raise exceptions) are retried until they
 * get a 202, as a real producer would; between them it sends filler traffic that raises nothing.
 */
class Lane {
  readonly expected = new Map<string, Expected>();
  private readonly script: Record<string, unknown>[][] = [];
  private filler = 0;

  constructor(
    private readonly lane: number,
    readonly acked: string[],
  ) {
    const now = () => new Date().toISOString();
    const failure = (cart: string, stage: string, code: string) =>
      anEvent({ cart_id: cart, stage, step: 'run', status: 'failed', error: { code }, occurred_at: now() });
    for (const stage of ['payment', 'fulfillment']) {
      const open = `open_${stage}_${lane}`;
      const fixed = `fixed_${stage}_${lane}`;
      this.script.push([failure(open, stage, `e_${open}`)]);
      this.script.push([failure(fixed, stage, `e_${fixed}`)]);
      this.script.push([
        anEvent({ cart_id: fixed, stage, step: 'run', status: 'succeeded', occurred_at: now() }),
      ]);
      this.expected.set(open, { kind: 'failed', state: 'open' });
      this.expected.set(fixed, { kind: 'failed', state: 'resolved' });
    }
    // Two hours in checkout against a 30-minute SLA: stalled as soon as a sweep looks.
    const stalled = `stall_${lane}`;
    const longAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    this.script.push([anEvent({ cart_id: stalled, stage: 'checkout', step: 'open', occurred_at: longAgo })]);
    this.expected.set(stalled, { kind: 'stalled', state: 'open' });
  }

  get done(): boolean {
    return this.script.length === 0;
  }

  /** Sends until `stop` or the server dies; what got no 202 is sent again on the next run. */
  async run(url: string, stop: { now: boolean }): Promise<void> {
    while (!stop.now) {
      const scripted = this.script[0];
      const batch = scripted ?? this.fillerBatch();
      const status = await post(url, batch);
      if (status === undefined) return;
      if (status !== 202) throw new Error(`ingest answered ${status}`);
      this.acked.push(...batch.map((event) => event.id as string));
      if (scripted) this.script.shift();
      if (scripted && this.done) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private fillerBatch(): Record<string, unknown>[] {
    const n = this.filler++;
    const size = n % 3 === 0 ? 2 : 1;
    return Array.from({ length: size }, (_, i) =>
      anEvent({
        cart_id: `filler_${this.lane}_${(n + i) % 9}`,
        stage: 'checkout',
        step: 'open',
        // Now, not a fixed date: an old checkout would be past its SLA on any later day.
        occurred_at: new Date().toISOString(),
      }),
    );
  }
}

async function post(url: string, events: Record<string, unknown>[]): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined; // the server died under us: what had no 202 is allowed to be lost
  }
}

const randomMs = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

describe('crash recovery', () => {
  it('when cartwatch is SIGKILLed at random points, during a Slack call too, then no event, exception, message or digest is lost or doubled', async () => {
    const slack = await new FakeSlack().start();
    const configPath = path.join(temp.dir, 'cartwatch.yml');
    writeFileSync(configPath, CONFIG);
    const env = {
      CARTWATCH_DB: path.join(temp.dir, 'crash.db'),
      CARTWATCH_CONFIG: configPath,
      CARTWATCH_INGEST_SECRET: INGEST_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-crash-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
    };
    // Running for a long time, so today's digest is due (a new database posts none for its first day).
    await longStandingDatabase(env.CARTWATCH_DB);
    const acked: string[] = [];
    const lanes = [0, 1, 2, 3].map((n) => new Lane(n, acked));
    const runFor = async (child: ChildCartwatch, until: () => Promise<unknown>) => {
      const stop = { now: false };
      const sending = lanes.map((lane) => lane.run(child.url, stop));
      await until();
      child.process.kill('SIGKILL');
      await child.exited;
      stop.now = true;
      await Promise.all(sending);
    };

    // Killed at random moments while the stream flows.
    for (let round = 0; round < 3; round++) {
      const child = await startChild(env);
      await runFor(child, () => new Promise((resolve) => setTimeout(resolve, randomMs(250, 1200))));
    }
    // Killed while a post is in flight: Slack made the message, but its answer never came back.
    slack.failNext('chat.postMessage', { dropReply: true });
    const child = await startChild(env);
    await runFor(child, () =>
      waitFor(() => !slack.faultPending('chat.postMessage'), {
        timeoutMs: 30_000,
        what: 'a post in flight',
      }),
    );

    // The last start runs until everything the stream implies is in Slack.
    const last = await startChild(env);
    const stop = { now: false };
    const sending = lanes.map((lane) => lane.run(last.url, stop));
    const db = new Database(env.CARTWATCH_DB, { readonly: true });
    const expected = new Map(lanes.flatMap((lane) => [...lane.expected]));
    await waitFor(
      () => {
        if (!lanes.every((lane) => lane.done)) return false;
        const exceptions = db.prepare('SELECT count(*) AS n FROM exceptions').get() as { n: number };
        const pending = db.prepare("SELECT count(*) AS n FROM outbox WHERE state = 'pending'").get() as {
          n: number;
        };
        const digests = db.prepare('SELECT count(*) AS n FROM digest_runs').get() as { n: number };
        return exceptions.n >= expected.size && pending.n === 0 && digests.n === TEAMS;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the outbox to settle' },
    );
    stop.now = true;
    await Promise.all(sending);
    last.process.kill('SIGTERM');
    expect(await last.exited, last.output()).toBe(0);
    await slack.stop();

    // Every event that got a 202 is stored exactly once.
    expect(acked.length).toBeGreaterThan(50);
    const stored = new Map(
      (
        db.prepare('SELECT id, count(*) AS n FROM events GROUP BY id').all() as { id: string; n: number }[]
      ).map((row) => [row.id, row.n]),
    );
    expect(acked.filter((id) => stored.get(id) !== 1)).toEqual([]);

    // Every exception the stream implies exists once, in the state it implies.
    const exceptions = db
      .prepare('SELECT id, cart_id, kind, state, slack_ts FROM exceptions ORDER BY id')
      .all() as { id: number; cart_id: string; kind: string; state: string; slack_ts: string | null }[];
    expect(exceptions.map((e) => [e.cart_id, e.kind, e.state]).sort()).toEqual(
      [...expected].map(([cart, e]) => [cart, e.kind, e.state]).sort(),
    );

    // Each root message was posted once, and the exception points at it.
    const messages = [...['C0PAY', 'C0SHIP', 'C0OPS'].flatMap((c) => slack.messagesIn(c))];
    const postedFor = (outboxId: number) =>
      messages.filter((m) => m.metadata?.event_payload.outbox_id === outboxId);
    const posts = db.prepare("SELECT id, exception_id FROM outbox WHERE kind = 'post'").all() as {
      id: number;
      exception_id: number;
    }[];
    for (const exception of exceptions) {
      const own = posts.filter((row) => row.exception_id === exception.id);
      expect(own.length, `post rows of ${exception.cart_id}`).toBeLessThanOrEqual(1);
      const roots = own.flatMap((row) => postedFor(row.id));
      if (exception.state === 'open') expect(roots, `root of ${exception.cart_id}`).toHaveLength(1);
      else expect(roots.length).toBeLessThanOrEqual(1);
      expect(exception.slack_ts ?? undefined).toBe(roots[0]?.ts);
    }
    // No digest twice: one run per team today, each posted once.
    const digestRows = db.prepare("SELECT id FROM outbox WHERE kind = 'digest'").all() as { id: number }[];
    expect(digestRows).toHaveLength(TEAMS);
    for (const row of digestRows) expect(postedFor(row.id)).toHaveLength(1);
    // No message of any kind went out twice.
    const outboxIds = messages.map((m) => m.metadata?.event_payload.outbox_id);
    expect(outboxIds.length).toBe(new Set(outboxIds).size);

    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  }, 120_000);
});

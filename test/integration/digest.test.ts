import path from 'node:path';
import Database from 'better-sqlite3';
import { getTasks } from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { localParts } from '../../src/domain/local-time.js';
import { HOUR, MINUTE, TestClock } from '../support/clock.js';
import { databaseSince } from '../support/database.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const iso = (ms: number) => new Date(ms).toISOString();
const running: { stop(): Promise<void> }[] = [];
const temps: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const t of temps.splice(0)) t.cleanup();
});

function dbFile(): string {
  const temp = tempDir();
  temps.push(temp);
  return path.join(temp.dir, 'digest.db');
}

/** A database that has been running since the day before the clock's now: today's digest is due. */
async function dayOldDatabase(clock: TestClock): Promise<string> {
  const dbPath = dbFile();
  await databaseSince(dbPath, clock.now());
  return dbPath;
}

function digestRuns(dbPath: string): { team: string; local_date: string; posted: number }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT team, local_date, posted FROM digest_runs ORDER BY local_date, team').all() as {
      team: string;
      local_date: string;
      posted: number;
    }[];
  } finally {
    db.close();
  }
}

const digestConfig = (overrides: Partial<typeof DEFAULT_CONFIG> = {}) => ({
  digest: { at: '09:00', skipQuiet: false },
  teams: {
    ...DEFAULT_CONFIG.teams,
    fulfillment: { channel: 'C0FULFIL', timezone: 'America/Chicago' },
  },
  ...overrides,
});

async function start(
  clock: TestClock,
  options: { dbPath?: string; slack?: FakeSlack; config?: object } = {},
) {
  const app = await startSlackTestApp({ clock, config: digestConfig(), ...options } as Parameters<
    typeof startSlackTestApp
  >[0]);
  running.push(app);
  return app;
}

const digests = (app: SlackTestApp, channel: string) =>
  app.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.channel === channel && String(c.args.text).startsWith('Cartwatch digest'));

describe('daily digest', () => {
  it('when the payments team had failures yesterday, then its digest counts them against the day before, with top steps and value at risk', async () => {
    const nine = Date.parse('2026-11-27T09:00:00Z');
    const clock = new TestClock(nine - 20 * HOUR);
    const app = await start(clock, {
      config: { ...digestConfig(), digest: { at: '23:59', skipQuiet: false } },
    });
    await app.postEvents([
      anEvent({
        cart_id: 'a',
        status: 'failed',
        error: { code: 'card_declined' },
        amount: { value: 5000, currency: 'USD' },
        occurred_at: iso(nine - 20 * HOUR),
      }),
      anEvent({
        cart_id: 'b',
        status: 'failed',
        error: { code: 'card_declined' },
        occurred_at: iso(nine - 20 * HOUR),
      }),
      anEvent({
        cart_id: 'c',
        step: 'capture',
        status: 'failed',
        error: { code: 'expired' },
        occurred_at: iso(nine - 20 * HOUR),
      }),
    ]);
    await app.running.detectNow();
    clock.set(iso(nine - 19 * HOUR));
    await app.postEvents(anEvent({ cart_id: 'b', status: 'succeeded', occurred_at: iso(nine - 19 * HOUR) }));
    await app.running.detectNow();
    clock.set(iso(nine));
    expect(await app.running.digests.run('payments')).toBe('posted');
    app.running.sendNow();
    await waitFor(() => digests(app, 'C0PAYMENTS').length === 1, { what: 'the digest' });
    const [digest] = digests(app, 'C0PAYMENTS');
    const text = JSON.stringify(digest?.blocks);
    expect(digest?.args.text).toBe('Cartwatch digest · payments · 2026-11-27: 3 new, 2 open');
    expect(text).toContain('*New:* 3 (+3 vs. the day before)');
    expect(text).toContain('*automatically:* 1 (+1 vs. the day before)');
    expect(text).toContain('`payment.authorize` 2');
    expect(text).toContain('`card_declined` 2');
    expect(text).toContain('USD 50.00');
    expect(text).toContain('Median time to resolve:* 1h');
  });

  it('when the digest already ran today, then running it again, or restarting, posts nothing more', async () => {
    const clock = new TestClock(Date.parse('2026-11-27T09:00:30Z'));
    const dbPath = await dayOldDatabase(clock);
    const slack = await new FakeSlack().start();
    const first = await startSlackTestApp({ clock, dbPath, slack, config: digestConfig() });
    await slack.waitForCalls('chat.postMessage', 2);
    expect(await first.running.digests.run('payments')).toBe('already_ran');
    await first.stop();
    clock.advance(2 * HOUR);
    const second = await start(clock, { dbPath, slack });
    await second.running.digests.catchUp();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(digests(second, 'C0PAYMENTS')).toHaveLength(1);
    expect(digests(second, 'C0OPS')).toHaveLength(1);
    await slack.stop();
  });

  it("when the bot was down at 09:00, then the missed digest is posted on start the same day, in each team's own zone", async () => {
    // 14:30 UTC: past 09:00 in UTC (payments, ops), only 08:30 in Chicago (fulfillment).
    const clock = new TestClock(Date.parse('2026-11-27T14:30:00Z'));
    const app = await start(clock, { dbPath: await dayOldDatabase(clock) });
    await app.slack.waitForCalls('chat.postMessage', 2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(digests(app, 'C0PAYMENTS')[0]?.args.text).toBe(
      'Cartwatch digest · payments · 2026-11-27: a quiet day. Nothing new, nothing open.',
    );
    expect(digests(app, 'C0FULFIL')).toHaveLength(0);
    clock.advance(31 * MINUTE);
    await app.running.digests.catchUp();
    app.running.sendNow();
    await app.slack.waitForCalls('chat.postMessage', 3);
    expect(digests(app, 'C0FULFIL')[0]?.args.text).toContain('fulfillment · 2026-11-27');
  });

  it("when a new database starts after the digest time, then that day gets no digest, on start, on the minute's check or after a restart, and the next day's is posted", async () => {
    // 14:30 UTC: past 09:00 for payments and ops; 08:30 in Chicago, where 09:00 comes after the start.
    const clock = new TestClock(Date.parse('2026-11-27T14:30:00Z'));
    const dbPath = dbFile();
    const slack = await new FakeSlack().start();
    const first = await startSlackTestApp({ clock, dbPath, slack, config: digestConfig() });
    await first.running.digests.catchUp();
    expect(await first.running.digests.run('payments')).toBe('before_database');
    clock.advance(31 * MINUTE);
    await first.running.digests.catchUp();
    expect(await first.running.digests.run('fulfillment')).toBe('before_database');
    await first.stop();
    expect(digestRuns(dbPath)).toEqual([]);

    clock.advance(2 * HOUR);
    const second = await start(clock, { dbPath, slack });
    await second.running.digests.catchUp();
    expect(digestRuns(dbPath)).toEqual([]);

    clock.set('2026-11-28T09:00:30Z');
    await second.running.digests.catchUp();
    second.running.sendNow();
    await waitFor(() => digests(second, 'C0OPS').length === 1, { what: "the next day's digests" });
    // The outbox sends in order: had the first day's been queued, it would have gone out before.
    expect(
      slack
        .callsOf('chat.postMessage')
        .map((c) => String(c.args.text))
        .filter((text) => text.startsWith('Cartwatch digest')),
    ).toEqual([
      expect.stringContaining('payments · 2026-11-28'),
      expect.stringContaining('ops · 2026-11-28'),
    ]);
    await slack.stop();
  });

  it('when the day is quiet and skip_quiet is set, then no digest is posted, and none on restart either', async () => {
    const clock = new TestClock(Date.parse('2026-11-27T09:05:00Z'));
    const dbPath = await dayOldDatabase(clock);
    const app = await start(clock, {
      dbPath,
      config: { ...digestConfig(), digest: { at: '09:00', skipQuiet: true } },
    });
    await app.running.digests.catchUp();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(app.slack.callsOf('chat.postMessage')).toHaveLength(0);
    expect(await app.running.digests.run('payments')).toBe('already_ran');
    expect(digestRuns(dbPath).map((r) => [r.team, r.posted])).toEqual([
      ['ops', 0],
      ['payments', 0],
    ]);
  });

  it('when clocks fall back overnight in Chicago, then the digest is keyed to the local date, once', async () => {
    // 2026-11-01: Chicago leaves daylight time at 02:00 local. 09:00 CST is 15:00 UTC.
    const clock = new TestClock(Date.parse('2026-11-01T15:00:30Z'));
    const app = await start(clock, { dbPath: await dayOldDatabase(clock) });
    await app.running.digests.catchUp();
    app.running.sendNow();
    await app.slack.waitForCalls('chat.postMessage', 3);
    expect(digests(app, 'C0FULFIL').map((c) => c.args.text)).toEqual([
      expect.stringContaining('fulfillment · 2026-11-01'),
    ]);
  });

  it("when the next day comes, then open counts and value at risk are compared with what the day before's digest said", async () => {
    const clock = new TestClock(Date.parse('2026-11-26T08:00:00Z'));
    const app = await start(clock, {
      dbPath: await dayOldDatabase(clock),
      config: { ...digestConfig(), digest: { at: '23:59', skipQuiet: false } },
    });
    await app.postEvents(
      anEvent({
        cart_id: 'd1',
        status: 'failed',
        error: { code: 'x' },
        amount: { value: 700, currency: 'USD' },
      }),
    );
    await app.running.detectNow();
    clock.set('2026-11-26T09:00:00Z');
    expect(await app.running.digests.run('payments')).toBe('posted');
    await app.postEvents(
      anEvent({
        cart_id: 'd2',
        status: 'failed',
        error: { code: 'y' },
        amount: { value: 300, currency: 'USD' },
      }),
    );
    await app.running.detectNow();
    clock.set('2026-11-27T09:00:00Z');
    expect(await app.running.digests.run('payments')).toBe('posted');
    app.running.sendNow();
    await waitFor(() => digests(app, 'C0PAYMENTS').length === 2, { what: 'two digests' });
    const text = JSON.stringify(digests(app, 'C0PAYMENTS')[1]?.blocks);
    expect(text).toContain('*open now:* 2 (was 1 on 2026-11-26)');
    expect(text).toContain('*Value at risk:* USD 10.00 (was USD 7.00 on 2026-11-26)');
  });

  it("when digests are scheduled, then each team's task next runs at 09:00 in its own time zone", async () => {
    await start(new TestClock(Date.parse('2026-11-27T08:00:00Z')));
    const nextRun = (name: string) =>
      [...getTasks().values()].find((task) => task.name === name)?.getNextRun();
    for (const [task, zone] of [
      ['digest-payments', 'UTC'],
      ['digest-fulfillment', 'America/Chicago'],
    ] as const) {
      const next = nextRun(task);
      expect(next, task).toBeInstanceOf(Date);
      expect(localParts(next?.getTime() ?? 0, zone), task).toMatchObject({ hour: 9, minute: 0 });
    }
  });
});

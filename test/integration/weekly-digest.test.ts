import path from 'node:path';
import Database from 'better-sqlite3';
import { getTasks } from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { localParts } from '../../src/domain/local-time.js';
import { HOUR, TestClock } from '../support/clock.js';
import { createDatabase } from '../support/database.js';
import { anEvent } from '../support/events.js';
import { FakeSlack } from '../support/fake-slack.js';
import { datesFrom, historyOf, postAll } from '../support/history.js';
import { type SlackTestApp, startSlackTestApp } from '../support/slack-app.js';
import { tempDir } from '../support/temp.js';
import { waitFor } from '../support/wait-for.js';

const DAY = 24 * HOUR;
const running: { stop(): Promise<void> }[] = [];
const temps: ReturnType<typeof tempDir>[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  for (const t of temps.splice(0)) t.cleanup();
});

function dbFile(): string {
  const temp = tempDir();
  temps.push(temp);
  return path.join(temp.dir, 'weekly.db');
}

// Weekly on Mondays at 09:00 in each team's zone; the daily digest kept out of the way.
const weeklyConfig = {
  digest: { at: '23:59', skipQuiet: false, weekly: { weekday: 1, time: '09:00' } },
  teams: { ...DEFAULT_CONFIG.teams, fulfillment: { channel: 'C0FULFIL', timezone: 'America/Chicago' } },
};

async function start(clock: TestClock, options: { dbPath: string; slack?: FakeSlack; config?: object }) {
  const app = await startSlackTestApp({ clock, config: weeklyConfig, ...options } as Parameters<
    typeof startSlackTestApp
  >[0]);
  running.push(app);
  return app;
}

const weeklies = (app: SlackTestApp, channel: string) =>
  app.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.channel === channel && String(c.args.text).startsWith('Cartwatch weekly'));

function weeklyRuns(dbPath: string): { team: string; iso_week: string; posted: number }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .prepare('SELECT team, iso_week, posted FROM weekly_digest_runs ORDER BY iso_week, team')
      .all() as { team: string; iso_week: string; posted: number }[];
  } finally {
    db.close();
  }
}

/** Two weeks before Monday 2026-11-30: payment.authorize failing more, and slower to order, in the second. */
async function seedTwoWeeks(app: SlackTestApp): Promise<void> {
  const before = datesFrom('2026-11-09', 7).map((date) => ({ date, carts: 60, failures: 1 }));
  const last = datesFrom('2026-11-23', 7).map((date, i) => ({
    date,
    carts: 60,
    failures: [1, 2, 4, 6, 4, 2, 1][i] ?? 0,
    paymentMinutes: 9,
  }));
  // The week before last is 11-16 … 11-22; the digest on 11-30 compares 11-23 … 11-29 with it.
  const between = datesFrom('2026-11-16', 7).map((date) => ({ date, carts: 60, failures: 1 }));
  await postAll(app, historyOf([...before, ...between, ...last]));
  // One cart whose capture never came on 11-25: a stall that fell due in the week.
  await app.postEvents(anEvent({ cart_id: 'stuck', step: 'authorize', occurred_at: '2026-11-25T12:00:00Z' }));
  await app.running.detectNow();
  await app.running.sweepNow();
}

describe('weekly digest', () => {
  it("when Monday 09:00 comes, then each team's channel gets its week against the week before, per step, with a sparkline and a trend word", async () => {
    const clock = new TestClock(Date.parse('2026-11-29T12:00:00Z'));
    const dbPath = dbFile();
    await createDatabase(dbPath, clock.now() - 60 * DAY);
    const app = await start(clock, { dbPath });
    await seedTwoWeeks(app);
    clock.set('2026-11-30T09:00:30Z');
    expect(await app.running.weeklyDigests.catchUp()).toEqual(['payments', 'ops']);
    app.running.sendNow();
    // Behind the week's exception posts in the payments channel, at Slack's pace.
    await waitFor(() => weeklies(app, 'C0OPS').length === 1 && weeklies(app, 'C0PAYMENTS').length === 1, {
      what: 'the weekly digests',
    });
    const [digest] = weeklies(app, 'C0PAYMENTS');
    const text = JSON.stringify(digest?.blocks);
    expect(digest?.args.text).toBe(
      'Cartwatch weekly · payments · 2026-W49: 1 steps worse, 0 improving, 21 exceptions',
    );
    // 20 of 421 attempts (the stuck cart's too) against 7 of 420; the worst day (6 of 60) is the full bar.
    expect(text).toContain(
      '*payment.authorize* 4.8% failed of 421 (1.7% before) `▂▃▆█▆▃▂` 🔺 *worse* · 1 stall (0 before)',
    );
    expect(text).toContain('*payment* median 9m 20s (2m 50s before) · 400 carts · 🔺 *worse*');
    expect(text).toContain('*Exceptions raised:* 21 (7 before)');
    expect(text).toContain('*Value at risk:* USD 200.00');
    expect(text).toContain('*Stalls piled up at:* `payment.authorize` 1');
    expect(text).toContain('`processing_error` 20 (7 before) · mostly payment.authorize');
    expect(text).toContain('2026-11-23 – 2026-11-29 (UTC), against the 7 days before');
    expect(text).toContain('*Suppressed:* none · *Silenced:* none');
    // Checkout and order belong to ops: payments' digest shows its own steps only.
    expect(text).not.toContain('checkout.submit');
    expect(JSON.stringify(weeklies(app, 'C0OPS')[0]?.blocks)).toContain('*checkout.submit* 0% failed of 420');
    expect(weeklies(app, 'C0FULFIL')).toHaveLength(0);
  });

  it('when the weekly digest already ran this week, then running it again, or restarting, posts nothing more', async () => {
    const clock = new TestClock(Date.parse('2026-11-30T09:00:30Z'));
    const dbPath = dbFile();
    await createDatabase(dbPath, clock.now() - 60 * DAY);
    const slack = await new FakeSlack().start();
    const first = await start(clock, { dbPath, slack });
    await waitFor(() => weeklyRuns(dbPath).length === 2, { what: 'the start-up catch-up' });
    expect(await first.running.weeklyDigests.run('payments')).toBe('already_ran');
    await first.stop();
    running.splice(0);
    clock.advance(2 * HOUR);
    const second = await start(clock, { dbPath, slack });
    await second.running.weeklyDigests.catchUp();
    second.running.sendNow();
    await waitFor(() => weeklies(second, 'C0OPS').length === 1, { what: 'the quiet weeks' });
    expect(weeklies(second, 'C0PAYMENTS').map((c) => c.args.text)).toEqual([
      expect.stringContaining('Cartwatch weekly · payments · 2026-W49: a quiet week'),
    ]);
    expect(weeklyRuns(dbPath)).toEqual([
      { team: 'ops', iso_week: '2026-W49', posted: 1 },
      { team: 'payments', iso_week: '2026-W49', posted: 1 },
    ]);
    await slack.stop();
  });

  it("when it is Monday 09:00 in UTC but 03:00 in Chicago, then fulfillment's weekly waits for its own 09:00, and last week's is not posted late", async () => {
    const clock = new TestClock(Date.parse('2026-11-30T09:00:30Z'));
    const dbPath = dbFile();
    await createDatabase(dbPath, clock.now() - 60 * DAY);
    const app = await start(clock, { dbPath });
    await app.running.weeklyDigests.catchUp();
    expect(weeklyRuns(dbPath).map((r) => r.team)).toEqual(['ops', 'payments']);
    clock.set('2026-11-30T15:00:30Z');
    expect(await app.running.weeklyDigests.catchUp()).toEqual(['fulfillment']);
    expect(weeklyRuns(dbPath)).toContainEqual({ team: 'fulfillment', iso_week: '2026-W49', posted: 1 });
  });

  it('when the database is new, then its first week gets no weekly digest, and the next one does', async () => {
    const clock = new TestClock(Date.parse('2026-11-25T12:00:00Z'));
    const dbPath = dbFile();
    const app = await start(clock, { dbPath });
    clock.set('2026-11-30T09:00:30Z');
    expect(await app.running.weeklyDigests.run('payments')).toBe('before_database');
    expect(await app.running.weeklyDigests.catchUp()).toEqual([]);
    clock.set('2026-12-07T09:00:30Z');
    expect(await app.running.weeklyDigests.catchUp()).toEqual(['payments', 'ops']);
  });

  it('when the week is quiet and skip_quiet is set, then it is recorded and not posted', async () => {
    const clock = new TestClock(Date.parse('2026-11-30T09:05:00Z'));
    const dbPath = dbFile();
    await createDatabase(dbPath, clock.now() - 60 * DAY);
    const config = { ...weeklyConfig, digest: { ...weeklyConfig.digest, skipQuiet: true } };
    const app = await start(clock, { dbPath, config });
    await app.running.weeklyDigests.catchUp();
    expect(weeklyRuns(dbPath).map((r) => r.posted)).toEqual([0, 0]);
    expect(await app.running.weeklyDigests.run('ops')).toBe('already_ran');
    app.running.sendNow();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(weeklies(app, 'C0OPS')).toHaveLength(0);
  });

  it('when weekly digests are off, then none is scheduled or posted', async () => {
    const clock = new TestClock(Date.parse('2026-11-30T09:05:00Z'));
    const dbPath = dbFile();
    await createDatabase(dbPath, clock.now() - 60 * DAY);
    const config = { ...weeklyConfig, digest: { at: '23:59', skipQuiet: false } };
    const app = await start(clock, { dbPath, config });
    expect(await app.running.weeklyDigests.catchUp()).toEqual([]);
    expect(await app.running.weeklyDigests.run('ops')).toBe('off');
    expect(weeklyRuns(dbPath)).toEqual([]);
    expect([...getTasks().values()].some((task) => task.name?.startsWith('weekly-digest-'))).toBe(false);
  });

  it("when weekly digests are scheduled, then each team's task next runs on Monday at 09:00 in its own zone", async () => {
    const clock = new TestClock(Date.parse('2026-11-27T08:00:00Z'));
    const dbPath = dbFile();
    await start(clock, { dbPath });
    for (const [name, zone] of [
      ['weekly-digest-payments', 'UTC'],
      ['weekly-digest-fulfillment', 'America/Chicago'],
    ] as const) {
      const next = [...getTasks().values()].find((task) => task.name === name)?.getNextRun();
      expect(next, name).toBeInstanceOf(Date);
      const local = localParts(next?.getTime() ?? 0, zone);
      expect({ hour: local.hour, minute: local.minute }, name).toEqual({ hour: 9, minute: 0 });
      expect(new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay(), name).toBe(1);
    }
  });
});

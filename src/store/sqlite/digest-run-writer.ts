import type Database from 'better-sqlite3';
import { postsDigestRun } from '../shared/digest-runs.js';
import type { DailyDigestRun, WeeklyDigestRun } from '../store.js';
import type { OutboxWriter } from './outbox-writer.js';
import { writeTransaction } from './write-transaction.js';

/**
 * Digests are recorded once per team and day (or ISO week), with their outbox row in the same
 * transaction: a second run, from another instance or after a restart, finds the first and posts nothing.
 */
export class DigestRunWriter {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly outbox: OutboxWriter,
  ) {
    this.s = {
      daily: db.prepare(
        'INSERT OR IGNORE INTO digest_runs (team, local_date, ran_at, facts, posted) VALUES (?, ?, ?, ?, ?)',
      ),
      weekly: db.prepare(
        'INSERT OR IGNORE INTO weekly_digest_runs (team, iso_week, ran_at, facts, posted) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  /** False if that day's already ran. */
  daily(run: DailyDigestRun): boolean {
    return writeTransaction(this.db, () => {
      const { team, localDate, facts, at, post } = run;
      const recorded = this.s.daily.run(team, localDate, at, JSON.stringify(facts), post ? 1 : 0).changes > 0;
      if (postsDigestRun({ recorded, post })) this.outbox.digest(run.channel, facts, at);
      return recorded;
    })();
  }

  /** False if that week's already ran. */
  weekly(run: WeeklyDigestRun): boolean {
    return writeTransaction(this.db, () => {
      const { team, isoWeek, facts, at, post } = run;
      const recorded = this.s.weekly.run(team, isoWeek, at, JSON.stringify(facts), post ? 1 : 0).changes > 0;
      if (postsDigestRun({ recorded, post })) this.outbox.weeklyDigest(run.channel, facts, at);
      return recorded;
    })();
  }
}

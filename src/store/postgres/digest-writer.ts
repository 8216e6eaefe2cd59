import { postsDigestRun } from '../shared/digest-runs.js';
import type { DailyDigestRun, WeeklyDigestRun } from '../store.js';
import { type Sql, transaction } from './connection.js';
import { OutboxQueue } from './outbox-queue.js';

/**
 * Digest runs on Postgres: the run's row and its Slack post in one transaction. The primary key
 * (team and local date, or ISO week) is the claim: when two instances record the same run at once,
 * ON CONFLICT DO NOTHING lets one insert and the other, waiting on the first's commit, insert nothing,
 * answer false and queue nothing.
 */
export class DigestWriter {
  private readonly outbox = new OutboxQueue();

  constructor(private readonly sql: Sql) {}

  recordDigest(input: DailyDigestRun): Promise<boolean> {
    return transaction(this.sql, async (tx) => {
      const { team, localDate, facts, at, post } = input;
      const inserted = await tx`INSERT INTO digest_runs (team, local_date, ran_at, facts, posted)
        VALUES (${team}, ${localDate}, ${at}, ${JSON.stringify(facts)}, ${post ? 1 : 0})
        ON CONFLICT (team, local_date) DO NOTHING`;
      const recorded = inserted.count > 0;
      if (postsDigestRun({ recorded, post })) await this.outbox.digest(tx, input.channel, facts, at);
      return recorded;
    });
  }

  recordWeeklyDigest(input: WeeklyDigestRun): Promise<boolean> {
    return transaction(this.sql, async (tx) => {
      const { team, isoWeek, facts, at, post } = input;
      const inserted = await tx`INSERT INTO weekly_digest_runs (team, iso_week, ran_at, facts, posted)
        VALUES (${team}, ${isoWeek}, ${at}, ${JSON.stringify(facts)}, ${post ? 1 : 0})
        ON CONFLICT (team, iso_week) DO NOTHING`;
      const recorded = inserted.count > 0;
      if (postsDigestRun({ recorded, post })) await this.outbox.weeklyDigest(tx, input.channel, facts, at);
      return recorded;
    });
  }
}

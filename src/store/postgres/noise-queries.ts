import type { FailureSample } from '../../domain/rates.js';
import type { RateReadout, RateReadoutInput } from '../noise-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import { FAILURE_FIELDS, type FailureRow, type RateStateRow, toRateState } from '../rows/noise-rows.js';
import { FailureScan } from '../shared/failure-scan.js';
import type { Sql } from './connection.js';

/** Events read per round trip while scanning back for a breached rule's failures. */
const FAILURE_PAGE = 1_000;

interface WindowCounts {
  window_attempts: number;
  window_failures: number;
  history_attempts: number;
  history_failures: number;
}

/** Reads for noise: rate windows (an index range per rule), recent failures, suppressed counts. */
export class NoiseQueries {
  constructor(private readonly sql: Sql) {}

  async rateReadout(input: RateReadoutInput): Promise<RateReadout> {
    const { rule, windowFrom, historyFrom, to } = input;
    const sql = this.sql;
    // Asked together: one round trip's wait for all four.
    const [[counts], codes, [state], [live]] = await Promise.all([
      sql<WindowCounts[]>`
        SELECT coalesce(sum(attempts) FILTER (WHERE minute >= ${windowFrom}), 0) AS window_attempts,
          coalesce(sum(failures) FILTER (WHERE minute >= ${windowFrom}), 0) AS window_failures,
          coalesce(sum(attempts) FILTER (WHERE minute < ${windowFrom}), 0) AS history_attempts,
          coalesce(sum(failures) FILTER (WHERE minute < ${windowFrom}), 0) AS history_failures
        FROM rate_counts WHERE rule = ${rule} AND minute >= ${historyFrom} AND minute < ${to}`,
      // Ties in SQLite's byte order, whatever this database's collation.
      sql<{ code: string; count: number }[]>`
        SELECT code, sum(n) AS count FROM rate_errors
        WHERE rule = ${rule} AND minute >= ${windowFrom} AND minute < ${to}
        GROUP BY code ORDER BY count DESC, code COLLATE "C" LIMIT 5`,
      sql<RateStateRow[]>`SELECT breached_at, calm_since FROM rate_states WHERE rule = ${rule}`,
      sql<
        ExceptionRow[]
      >`SELECT * FROM exceptions WHERE dedup_key = ${input.dedupKey} AND state != 'resolved'`,
    ]);
    const readout: RateReadout = {
      window: { attempts: counts?.window_attempts ?? 0, failures: counts?.window_failures ?? 0 },
      history: { attempts: counts?.history_attempts ?? 0, failures: counts?.history_failures ?? 0 },
      topCodes: codes.map(({ code, count }) => ({ code, count })),
      state: toRateState(state),
    };
    if (live) readout.live = toException(live);
    return readout;
  }

  /** Failed events counted at or after `since`, newest first (at most the newest 50,000 events are read). */
  async failuresSince(since: number): Promise<FailureSample[]> {
    const scan = new FailureScan(since);
    let before: number | null = null;
    for (;;) {
      const rows: (FailureRow & { seq: number })[] = await this.sql<(FailureRow & { seq: number })[]>`
        SELECT seq, ${this.sql.unsafe(FAILURE_FIELDS)} FROM events
        WHERE ${before === null ? this.sql`true` : this.sql`seq < ${before}`}
        ORDER BY seq DESC LIMIT ${FAILURE_PAGE}`;
      for (const row of rows) if (!scan.take(row)) return scan.found;
      const last = rows.at(-1);
      if (last === undefined || rows.length < FAILURE_PAGE) return scan.found;
      before = last.seq;
    }
  }

  /** A team's suppressed failures in [from, to) by reason. */
  async suppressedOf(team: string, from: number, to: number): Promise<{ reason: string; n: number }[]> {
    return this.sql<{ reason: string; n: number }[]>`
      SELECT reason, sum(n) AS n FROM suppressed_counts
      WHERE minute >= ${from} AND minute < ${to} AND team = ${team}
      GROUP BY reason ORDER BY reason COLLATE "C"`;
  }
}

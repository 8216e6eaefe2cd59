import type Database from 'better-sqlite3';
import type { FailureSample } from '../../domain/rates.js';
import type { RateReadout, RateReadoutInput } from '../noise-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import { FAILURE_FIELDS, type FailureRow, type RateStateRow, toRateState } from '../rows/noise-rows.js';
import { FailureScan } from '../shared/failure-scan.js';

/** Reads for noise: rate windows (an index range per rule), recent failures, suppressed counts. */
export class NoiseQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      counts: db.prepare<[string, number, number], { attempts: number; failures: number }>(
        `SELECT coalesce(sum(attempts), 0) AS attempts, coalesce(sum(failures), 0) AS failures
         FROM rate_counts WHERE rule = ? AND minute >= ? AND minute < ?`,
      ),
      codes: db.prepare<[string, number, number], { code: string; count: number }>(
        `SELECT code, sum(n) AS count FROM rate_errors WHERE rule = ? AND minute >= ? AND minute < ?
         GROUP BY code ORDER BY count DESC, code LIMIT 5`,
      ),
      state: db.prepare<[string], RateStateRow>(
        'SELECT breached_at, calm_since FROM rate_states WHERE rule = ?',
      ),
      live: db.prepare<[string], ExceptionRow>(
        "SELECT * FROM exceptions WHERE dedup_key = ? AND state != 'resolved'",
      ),
      // Newest first by arrival; the caller stops at the window's start.
      newest: db.prepare<[], FailureRow>(`SELECT ${FAILURE_FIELDS} FROM events ORDER BY seq DESC`),
      suppressed: db.prepare<[number, number, string], { reason: string; n: number }>(
        `SELECT reason, sum(n) AS n FROM suppressed_counts WHERE minute >= ? AND minute < ? AND team = ?
         GROUP BY reason`,
      ),
    };
  }

  rateReadout(input: RateReadoutInput): RateReadout {
    const { rule, windowFrom, historyFrom, to } = input;
    const live = this.s.live.get(input.dedupKey);
    const readout: RateReadout = {
      window: this.s.counts.get(rule, windowFrom, to) ?? { attempts: 0, failures: 0 },
      history: this.s.counts.get(rule, historyFrom, windowFrom) ?? { attempts: 0, failures: 0 },
      topCodes: this.s.codes.all(rule, windowFrom, to),
      state: toRateState(this.s.state.get(rule)),
    };
    if (live) readout.live = toException(live);
    return readout;
  }

  /** Failed events counted at or after `since`, newest first (at most the newest 50,000 events are read). */
  failuresSince(since: number): FailureSample[] {
    const scan = new FailureScan(since);
    for (const row of this.s.newest.iterate()) if (!scan.take(row)) break;
    return scan.found;
  }

  /** A team's suppressed failures in [from, to) by reason. */
  suppressedOf(team: string, from: number, to: number): { reason: string; n: number }[] {
    return this.s.suppressed.all(from, to, team);
  }
}

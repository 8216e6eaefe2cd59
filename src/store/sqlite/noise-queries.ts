import type Database from 'better-sqlite3';
import type { Stage } from '../../domain/event.js';
import { countedAt, type FailureSample } from '../../domain/rates.js';
import type { RateReadout, RateReadoutInput } from '../noise-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';

/** Events read back from the newest when a breached rule's message names carts: bounds the read. */
const FAILURE_SCAN_LIMIT = 50_000;

interface FailureRow {
  received_at: number;
  occurred_at: number;
  status: string;
  cart_id: string | null;
  stage: string;
  step: string;
  source: string;
  error_code: string | null;
  amount_value: number | null;
  amount_currency: string | null;
}

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
      state: db.prepare<[string], { breached_at: number | null; calm_since: number | null }>(
        'SELECT breached_at, calm_since FROM rate_states WHERE rule = ?',
      ),
      live: db.prepare<[string], ExceptionRow>(
        "SELECT * FROM exceptions WHERE dedup_key = ? AND state != 'resolved'",
      ),
      // Newest first by arrival; the caller stops at the window's start.
      newest: db.prepare<[], FailureRow>(
        `SELECT received_at, occurred_at, status, cart_id, stage, step, source, error_code, amount_value,
           amount_currency FROM events ORDER BY seq DESC`,
      ),
      suppressed: db.prepare<[number, number, string], { reason: string; n: number }>(
        `SELECT reason, sum(n) AS n FROM suppressed_counts WHERE minute >= ? AND minute < ? AND team = ?
         GROUP BY reason`,
      ),
    };
  }

  rateReadout(input: RateReadoutInput): RateReadout {
    const { rule, windowFrom, historyFrom, to } = input;
    const state = this.s.state.get(rule);
    const live = this.s.live.get(input.dedupKey);
    const readout: RateReadout = {
      window: this.s.counts.get(rule, windowFrom, to) ?? { attempts: 0, failures: 0 },
      history: this.s.counts.get(rule, historyFrom, windowFrom) ?? { attempts: 0, failures: 0 },
      topCodes: this.s.codes.all(rule, windowFrom, to),
      state: {
        ...(state?.breached_at != null && { breachedAt: state.breached_at }),
        ...(state?.calm_since != null && { calmSince: state.calm_since }),
      },
    };
    if (live) readout.live = toException(live);
    return readout;
  }

  /** Failed events counted at or after `since`, newest first (at most the newest 50,000 events are read). */
  failuresSince(since: number): FailureSample[] {
    const found: FailureSample[] = [];
    let read = 0;
    for (const row of this.s.newest.iterate()) {
      // Counted at min(occurred, received), so nothing received before `since` can count after it.
      if (row.received_at < since || ++read > FAILURE_SCAN_LIMIT) break;
      const at = countedAt({ occurredAt: row.occurred_at, receivedAt: row.received_at });
      if (row.status !== 'failed' || at < since) continue;
      const sample: FailureSample = { stage: row.stage as Stage, step: row.step, source: row.source, at };
      if (row.cart_id !== null) sample.cartId = row.cart_id;
      if (row.error_code !== null) sample.errorCode = row.error_code;
      if (row.amount_value !== null && row.amount_currency !== null)
        sample.amount = { value: row.amount_value, currency: row.amount_currency };
      found.push(sample);
    }
    return found;
  }

  /** A team's suppressed failures in [from, to) by reason. */
  suppressedOf(team: string, from: number, to: number): { reason: string; n: number }[] {
    return this.s.suppressed.all(from, to, team);
  }
}

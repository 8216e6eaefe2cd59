import type { Stage } from '../../domain/event.js';
import type { StageMark } from '../../domain/rollups.js';
import type { TrendRollup } from '../../domain/trends.js';
import { type DigestRunRow, toDigestRun } from '../rows/status-rows.js';
import {
  TREND_EXCEPTION_COLUMNS,
  type TrendExceptionColumns,
  toExceptionSummary,
} from '../rows/trend-rows.js';
import { type StageHourRow, sumStageTimes } from '../shared/stage-buckets.js';
import { type HourRange, type TrendRanges, trendRanges } from '../shared/trend-ranges.js';
import type { DigestRun } from '../store.js';
import type { TrendRollupInput } from '../trend-types.js';
import type { Sql, Tx } from './connection.js';

/** The migration whose opener's clock says when trends began: on Postgres the first, which made them. */
const ROLLUPS_SINCE_VERSION = 1;

/**
 * Reads for trends on Postgres: sums of the hourly roll-ups over days, and the exceptions raised in
 * them. The ranges, the sums of bucket lists and the row shapes are shared with the SQLite store.
 */
export class TrendQueries {
  constructor(private readonly sql: Sql) {}

  /**
   * When the roll-ups began: the first migration was applied then, by its opener's clock; a database
   * moved up from SQLite (`cartwatch migrate --to`) keeps SQLite's own start of trends in `cursors`.
   */
  async since(): Promise<number> {
    const [row] = await this.sql<{ applied_at: number | null }[]>`SELECT coalesce(
        (SELECT value::bigint FROM cursors WHERE name = 'trends_since'),
        (SELECT applied_at FROM schema_migrations WHERE version = ${ROLLUPS_SINCE_VERSION})) AS applied_at`;
    return row?.applied_at ?? 0;
  }

  /** The stage marks of these carts (one statement for them all). */
  async stageMarks(cartIds: readonly string[]): Promise<Map<string, StageMark>> {
    if (cartIds.length === 0) return new Map();
    const rows = await this.sql<{ cart_id: string; stage: Stage; entered_at: number }[]>`
      SELECT cart_id, stage, entered_at FROM cart_stages WHERE cart_id = ANY(${[...cartIds]}::text[])`;
    return new Map(rows.map((r) => [r.cart_id, { stage: r.stage, enteredAt: r.entered_at }]));
  }

  async weeklyRunOn(team: string, isoWeek: string): Promise<DigestRun | undefined> {
    const [row] = await this.sql<DigestRunRow[]>`SELECT ran_at, posted FROM weekly_digest_runs
      WHERE team = ${team} AND iso_week = ${isoWeek}`;
    return row === undefined ? undefined : toDigestRun(row);
  }

  /** The four reads pipelined on one connection, in one snapshot. */
  async rollup(input: TrendRollupInput): Promise<TrendRollup> {
    const ranges = trendRanges(input);
    const [steps, codes, stageHours, exceptions] = await this.sql.begin(
      'isolation level repeatable read read only',
      (tx) => [
        this.steps(tx, ranges),
        this.codes(tx, ranges),
        this.stageHours(tx, ranges),
        this.exceptions(tx, ranges),
      ],
    );
    return {
      steps: [...steps],
      codes: [...codes],
      stageTimes: sumStageTimes(stageHours),
      exceptions: (exceptions as unknown as TrendExceptionColumns[]).map(toExceptionSummary),
    };
  }

  // Sums stay BIGINT (read back as numbers): a busy step's attempts over months can pass 2^31.
  private steps(tx: Tx, { days, scope }: TrendRanges) {
    return tx<TrendRollup['steps']>`
      SELECT r.i::int AS day, h.stage, h.step, sum(h.attempts) AS attempts,
        sum(h.failures) AS failures, sum(h.suppressed) AS suppressed, sum(h.stalls) AS stalls
      FROM ${rangesOf(tx, days)} JOIN step_hours h ON h.hour >= r.f AND h.hour < r.t
      WHERE true ${scopeOf(tx, scope)}
      GROUP BY r.i, h.stage, h.step ORDER BY r.i, h.stage COLLATE "C", h.step COLLATE "C"`;
  }

  private codes(tx: Tx, { periods, scope }: TrendRanges) {
    return tx<TrendRollup['codes']>`
      SELECT r.i::int AS period, h.stage, h.step, h.code, sum(h.n) AS n
      FROM ${rangesOf(tx, periods)} JOIN step_hour_codes h ON h.hour >= r.f AND h.hour < r.t
      WHERE true ${scopeOf(tx, scope)}
      GROUP BY r.i, h.stage, h.step, h.code
      ORDER BY r.i, h.stage COLLATE "C", h.step COLLATE "C", h.code COLLATE "C"`;
  }

  private stageHours(tx: Tx, { periods, scope }: TrendRanges) {
    return tx<StageHourRow[]>`
      SELECT r.i::int AS period, h.stage, h.buckets
      FROM ${rangesOf(tx, periods)} JOIN stage_hours h ON h.hour >= r.f AND h.hour < r.t
      ${scope.stage === null ? tx`` : tx`WHERE h.stage = ${scope.stage}`}`;
  }

  /** Arrays, not objects: a bad week is thousands of rows. */
  private exceptions(tx: Tx, { raised, scope }: TrendRanges) {
    return tx`SELECT ${tx([...TREND_EXCEPTION_COLUMNS])} FROM exceptions h
      WHERE first_seen_at >= ${raised.from} AND first_seen_at < ${raised.to} ${scopeOf(tx, scope)}
      ORDER BY first_seen_at, id`.values();
  }
}

/** Ranges numbered from 0, as `r(i, f, t)`: each is one index range on the hour. */
function rangesOf(tx: Tx, ranges: readonly HourRange[]) {
  return tx`(SELECT n - 1 AS i, f, t FROM unnest(
    ${ranges.map(([f]) => f)}::bigint[], ${ranges.map(([, t]) => t)}::bigint[]) WITH ORDINALITY AS u(f, t, n)) r`;
}

/** Whose figures, on a table aliased `h`: each given part narrows them. */
function scopeOf(tx: Tx, scope: TrendRanges['scope']) {
  return tx`${scope.team === null ? tx`` : tx`AND h.team = ${scope.team}`}
    ${scope.stage === null ? tx`` : tx`AND h.stage = ${scope.stage}`}
    ${scope.step === null ? tx`` : tx`AND h.step = ${scope.step}`}`;
}

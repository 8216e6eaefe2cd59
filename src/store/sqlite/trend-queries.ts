import type Database from 'better-sqlite3';
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
import { trendRanges } from '../shared/trend-ranges.js';
import type { DigestRun } from '../store.js';
import type { TrendRollupInput } from '../trend-types.js';
import { ROLLUPS_SINCE_VERSION } from './migrations.js';

interface Filter {
  days: string;
  team: string | null;
  stage: string | null;
  step: string | null;
}

// Each range of days is one index range on the hour; the sums come back per day (or period), never per hour.
const RANGES = `WITH ranges AS (SELECT CAST(key AS INTEGER) AS i, value ->> 0 AS f, value ->> 1 AS t FROM json_each(@days))`;
const SCOPE = `(@team IS NULL OR h.team = @team) AND (@stage IS NULL OR h.stage = @stage)
  AND (@step IS NULL OR h.step = @step)`;

/** Reads for trends: sums of the hourly roll-ups over days, and the exceptions raised in them. */
export class TrendQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      steps: db.prepare<Filter, TrendRollup['steps'][number]>(
        `${RANGES} SELECT r.i AS day, h.stage, h.step, sum(h.attempts) AS attempts, sum(h.failures) AS failures,
           sum(h.suppressed) AS suppressed, sum(h.stalls) AS stalls
         FROM ranges r JOIN step_hours h ON h.hour >= r.f AND h.hour < r.t
         WHERE ${SCOPE} GROUP BY r.i, h.stage, h.step ORDER BY r.i, h.stage, h.step`,
      ),
      codes: db.prepare<Filter, TrendRollup['codes'][number]>(
        `${RANGES} SELECT r.i AS period, h.stage, h.step, h.code, sum(h.n) AS n
         FROM ranges r JOIN step_hour_codes h ON h.hour >= r.f AND h.hour < r.t
         WHERE ${SCOPE} GROUP BY r.i, h.stage, h.step, h.code ORDER BY r.i, h.stage, h.step, h.code`,
      ),
      stageTimes: db.prepare<Omit<Filter, 'team' | 'step'>, StageHourRow>(
        `${RANGES} SELECT r.i AS period, h.stage, h.buckets
         FROM ranges r JOIN stage_hours h ON h.hour >= r.f AND h.hour < r.t
         WHERE (@stage IS NULL OR h.stage = @stage)`,
      ),
      stageMarks: db
        .prepare<[string], [string, Stage, number]>(
          'SELECT cart_id, stage, entered_at FROM cart_stages WHERE cart_id IN (SELECT value FROM json_each(?))',
        )
        .raw(true),
      weeklyRun: db.prepare<[string, string], DigestRunRow>(
        'SELECT ran_at, posted FROM weekly_digest_runs WHERE team = ? AND iso_week = ?',
      ),
      since: db.prepare<[number], { applied_at: string }>(
        'SELECT applied_at FROM schema_migrations WHERE version = ?',
      ),
      exceptions: db
        .prepare<
          { from: number; to: number; team: string | null; stage: string | null; step: string | null },
          TrendExceptionColumns
        >(
          `SELECT ${TREND_EXCEPTION_COLUMNS.join(', ')} FROM exceptions
           WHERE first_seen_at >= @from AND first_seen_at < @to AND (@team IS NULL OR team = @team)
             AND (@stage IS NULL OR stage = @stage) AND (@step IS NULL OR step = @step)
           ORDER BY first_seen_at, id`,
        )
        .raw(true),
    };
  }

  /** When the roll-ups began: the migration that made them was applied then, by its opener's clock. */
  since(): number {
    const applied = this.s.since.get(ROLLUPS_SINCE_VERSION)?.applied_at;
    return applied === undefined ? 0 : Date.parse(applied);
  }

  /** The stage marks of these carts (one statement for them all). */
  stageMarks(cartIds: readonly string[]): Map<string, StageMark> {
    const rows = this.s.stageMarks.all(JSON.stringify(cartIds)) as unknown as [string, Stage, number][];
    return new Map(rows.map(([cartId, stage, enteredAt]) => [cartId, { stage, enteredAt }]));
  }

  weeklyRunOn(team: string, isoWeek: string): DigestRun | undefined {
    const row = this.s.weeklyRun.get(team, isoWeek);
    return row === undefined ? undefined : toDigestRun(row);
  }

  rollup(input: TrendRollupInput): TrendRollup {
    const { days, periods, scope, raised } = trendRanges(input);
    const daysJson = JSON.stringify(days);
    const periodsJson = JSON.stringify(periods);
    return {
      steps: this.s.steps.all({ days: daysJson, ...scope }),
      codes: this.s.codes.all({ days: periodsJson, ...scope }),
      stageTimes: sumStageTimes(this.s.stageTimes.all({ days: periodsJson, stage: scope.stage })),
      exceptions: (this.s.exceptions.all({ ...raised, ...scope }) as unknown as TrendExceptionColumns[]).map(
        toExceptionSummary,
      ),
    };
  }
}

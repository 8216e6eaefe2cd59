import type Database from 'better-sqlite3';
import type { Stage } from '../../domain/event.js';
import type { StageMark } from '../../domain/rollups.js';
import type { ExceptionSummary, TrendRollup } from '../../domain/trends.js';
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

/** first_seen_at, cart_id, amount_value, amount_currency, acknowledged_at, resolved_at, resolution. */
type ExceptionColumns = [
  number,
  string | null,
  number | null,
  string | null,
  number | null,
  number | null,
  string | null,
];

function toSummary([
  firstSeenAt,
  cartId,
  value,
  currency,
  acknowledgedAt,
  resolvedAt,
  resolution,
]: ExceptionColumns): ExceptionSummary {
  const summary: ExceptionSummary = { firstSeenAt };
  if (cartId !== null) summary.cartId = cartId;
  if (value !== null && currency !== null) summary.amount = { value, currency };
  if (acknowledgedAt !== null) summary.acknowledgedAt = acknowledgedAt;
  if (resolvedAt !== null) summary.resolvedAt = resolvedAt;
  if (resolution === 'manual' || resolution === 'auto') summary.resolution = resolution;
  return summary;
}

/** Reads for trends: sums of the hourly roll-ups over days, and the exceptions raised in them. */
export class TrendQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      steps: db.prepare<Filter, TrendRollup['steps'][number]>(
        `${RANGES} SELECT r.i AS day, h.stage, h.step, sum(h.attempts) AS attempts, sum(h.failures) AS failures,
           sum(h.suppressed) AS suppressed, sum(h.stalls) AS stalls
         FROM ranges r JOIN step_hours h ON h.hour >= r.f AND h.hour < r.t
         WHERE ${SCOPE} GROUP BY r.i, h.stage, h.step`,
      ),
      codes: db.prepare<Filter, TrendRollup['codes'][number]>(
        `${RANGES} SELECT r.i AS period, h.stage, h.step, h.code, sum(h.n) AS n
         FROM ranges r JOIN step_hour_codes h ON h.hour >= r.f AND h.hour < r.t
         WHERE ${SCOPE} GROUP BY r.i, h.stage, h.step, h.code`,
      ),
      stageTimes: db.prepare<
        Omit<Filter, 'team' | 'step'>,
        { period: number; stage: Stage; buckets: string }
      >(
        `${RANGES} SELECT r.i AS period, h.stage, h.buckets
         FROM ranges r JOIN stage_hours h ON h.hour >= r.f AND h.hour < r.t
         WHERE (@stage IS NULL OR h.stage = @stage)`,
      ),
      stageMarks: db
        .prepare<[string], [string, Stage, number]>(
          'SELECT cart_id, stage, entered_at FROM cart_stages WHERE cart_id IN (SELECT value FROM json_each(?))',
        )
        .raw(true),
      weeklyRun: db.prepare<[string, string], { ran_at: number; posted: number }>(
        'SELECT ran_at, posted FROM weekly_digest_runs WHERE team = ? AND iso_week = ?',
      ),
      since: db.prepare<[number], { applied_at: string }>(
        'SELECT applied_at FROM schema_migrations WHERE version = ?',
      ),
      // Arrays, not objects: a bad week is thousands of rows, and building objects is most of their cost.
      exceptions: db
        .prepare<
          { from: number; to: number; team: string | null; stage: string | null; step: string | null },
          ExceptionColumns
        >(
          `SELECT first_seen_at, cart_id, amount_value, amount_currency, acknowledged_at, resolved_at,
             resolution FROM exceptions
           WHERE first_seen_at >= @from AND first_seen_at < @to AND (@team IS NULL OR team = @team)
             AND (@stage IS NULL OR stage = @stage) AND (@step IS NULL OR step = @step)`,
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
    return row === undefined ? undefined : { ranAt: row.ran_at, posted: row.posted === 1 };
  }

  /** Each hour's counts per duration bucket, summed per period and stage. */
  private stageTimes(periods: string, stage: string | null): TrendRollup['stageTimes'] {
    const sums = new Map<string, { period: number; stage: Stage; counts: number[] }>();
    for (const row of this.s.stageTimes.all({ days: periods, stage })) {
      const key = `${row.period}\u0000${row.stage}`;
      const sum = sums.get(key) ?? { period: row.period, stage: row.stage, counts: [] };
      const counts = JSON.parse(row.buckets) as number[];
      for (let i = 0; i < counts.length; i++) sum.counts[i] = (sum.counts[i] ?? 0) + (counts[i] ?? 0);
      sums.set(key, sum);
    }
    return [...sums.values()].flatMap(({ period, stage, counts }) =>
      counts.flatMap((n, bucket) => (n > 0 ? [{ period, stage, bucket, n }] : [])),
    );
  }

  rollup(input: TrendRollupInput): TrendRollup {
    const { hours, bounds } = input;
    const n = (hours.length - 1) / 2;
    const scope = { team: input.team ?? null, stage: input.stage ?? null, step: input.step ?? null };
    // The period before as one range (0), then each day of this one (1 … n): its days are not shown.
    const days = JSON.stringify([
      [hours[0], hours[n]],
      ...hours.slice(n, -1).map((from, i) => [from, hours[n + i + 1]]),
    ]);
    // Two ranges: the period before (0) and this one (1).
    const periods = JSON.stringify([
      [hours[0], hours[n]],
      [hours[n], hours[2 * n]],
    ]);
    return {
      steps: this.s.steps.all({ days, ...scope }),
      codes: this.s.codes.all({ days: periods, ...scope }),
      stageTimes: this.stageTimes(periods, scope.stage),
      exceptions: (
        this.s.exceptions.all({
          from: bounds[0] ?? 0,
          to: bounds[2 * n] ?? 0,
          ...scope,
        }) as unknown as ExceptionColumns[]
      ).map(toSummary),
    };
  }
}

import type { Compared } from './digest.js';
import { median } from './digest.js';
import { type Money, STAGES, type Stage } from './event.js';
import { addDays, atLocalTime } from './local-time.js';
import { valueAtRisk } from './money.js';
import { HOUR_MS, histogramMedian } from './rollups.js';

export type TrendWord = 'improving' | 'worse' | 'steady';

/** Fewer attempts than this in either period say nothing about a trend. */
const MIN_ATTEMPTS = 20;
/** A difference in failure rate this many standard errors wide is not chance (95%). */
const CLEAR_Z = 1.96;
/** ...and it must be a fifth or more of the rate before to be worth a word. */
const RATE_CHANGE = 1.2;
/** Medians are read from buckets about 19% wide: a quarter longer or shorter is a real change. */
const TIME_CHANGE = 1.25;
const MIN_CARTS = 5;

/**
 * A step is worse or improving when its failure rate moved by a fifth or more and the difference is
 * clear of chance for the attempts behind it (a two-proportion z-test); otherwise it is steady.
 */
export function failureTrend(
  now: { attempts: number; failures: number },
  before: { attempts: number; failures: number },
): TrendWord {
  if (now.attempts < MIN_ATTEMPTS || before.attempts < MIN_ATTEMPTS) return 'steady';
  const p1 = before.failures / before.attempts;
  const p2 = now.failures / now.attempts;
  const pooled = (before.failures + now.failures) / (before.attempts + now.attempts);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / before.attempts + 1 / now.attempts));
  if (se === 0 || Math.abs(p2 - p1) / se < CLEAR_Z) return 'steady';
  if (p1 === 0 || p2 >= p1 * RATE_CHANGE) return 'worse';
  return p2 <= p1 / RATE_CHANGE ? 'improving' : 'steady';
}

/** Slower through a stage by a quarter or more is worse; as much faster, improving. */
export function durationTrend(
  now: { medianMs: number | null; carts: number },
  before: { medianMs: number | null; carts: number },
): TrendWord {
  if (now.medianMs === null || before.medianMs === null) return 'steady';
  if (now.carts < MIN_CARTS || before.carts < MIN_CARTS) return 'steady';
  if (now.medianMs >= before.medianMs * TIME_CHANGE) return 'worse';
  return now.medianMs * TIME_CHANGE <= before.medianMs ? 'improving' : 'steady';
}

const BARS = '▁▂▃▄▅▆▇█';

/**
 * One character per day, scaled to the highest day (so the shape shows however low the rates are):
 * `▁` none failed, `█` the worst day, `·` a day without attempts.
 */
export function sparkline(values: readonly (number | null)[]): string {
  const max = Math.max(0, ...values.filter((v): v is number => v !== null));
  return values
    .map((v) => {
      if (v === null) return '·';
      if (v <= 0 || max === 0) return BARS[0];
      return BARS[Math.max(1, Math.round((v / max) * (BARS.length - 1)))];
    })
    .join('');
}

/** The days a trend covers and the days before it, as instants in a time zone. */
export interface TrendPeriod {
  zone: string;
  /** The local dates of the period, oldest first; the period before has as many. */
  days: string[];
  /** 2n+1 instants: day starts from the first day before the period, then the period's end. */
  bounds: number[];
}

/**
 * The `count` local days ending with `lastDate`, and as many before them. `end` cuts the last day
 * short (now, for "the last 7 days" asked today); without it the period ends at the next midnight.
 */
export function trendPeriod(input: {
  lastDate: string;
  count: number;
  zone: string;
  end?: number;
}): TrendPeriod {
  const { lastDate, count, zone } = input;
  const dates = Array.from({ length: 2 * count }, (_, i) => addDays(lastDate, i - 2 * count + 1));
  const bounds = dates.map((date) => atLocalTime(date, '00:00', zone));
  bounds.push(input.end ?? atLocalTime(addDays(lastDate, 1), '00:00', zone));
  return { zone, days: dates.slice(count), bounds };
}

/**
 * The period's bounds on the hourly roll-ups: each day takes the hours most of which fall in it (a
 * zone half or three quarters of an hour off UTC moves at most half an hour), and an end that is
 * "now" takes the current hour in whole.
 */
export function hourBounds(period: TrendPeriod, options: { endIsNow: boolean }): number[] {
  return period.bounds.map((ms, i) =>
    options.endIsNow && i === period.bounds.length - 1
      ? Math.ceil(ms / HOUR_MS) * HOUR_MS
      : Math.round(ms / HOUR_MS) * HOUR_MS,
  );
}

/** What the store sums from the roll-ups and the exceptions for a period and the one before. */
export interface TrendRollup {
  /** Per stage.step: `day` 0 is the whole period before, 1 … n the days of this one. */
  steps: {
    day: number;
    stage: Stage;
    step: string;
    attempts: number;
    failures: number;
    suppressed: number;
    stalls: number;
  }[];
  /** Failures by error code, per period (0 before, 1 this one) and stage.step. */
  codes: { period: number; stage: Stage; step: string; code: string; n: number }[];
  /** Carts through each stage, by duration bucket, per period. */
  stageTimes: { period: number; stage: Stage; bucket: number; n: number }[];
  /** Exceptions over both periods, by when their events occurred (an import of the past lands there). */
  exceptions: ExceptionSummary[];
}

export interface ExceptionSummary {
  firstSeenAt: number;
  cartId?: string;
  amount?: Money;
  acknowledgedAt?: number;
  resolvedAt?: number;
  resolution?: 'manual' | 'auto';
}

export interface StepTrend {
  stage: Stage;
  step: string;
  attempts: Compared;
  failures: Compared;
  /** The failure rate of each day of the period, oldest first; null on a day without attempts. */
  daily: (number | null)[];
  suppressed: number;
  stalls: Compared;
  trend: TrendWord;
}

export interface StageTrend {
  stage: Stage;
  /** Carts that passed through it (handed on to a later stage). */
  carts: Compared;
  medianMs: Compared<number | null>;
  trend: TrendWord;
}

export interface ErrorTrend {
  code: string;
  failures: Compared;
  /** The stage.step where it failed most in the period. */
  where: string;
}

/** Exceptions of the period (and before) by when they were first seen, each cart's value counted once. */
export interface ExceptionTrend {
  opened: Compared;
  valueAtRisk: Money[];
  /** Of the value at risk, what later successes of the same carts settled. */
  recovered: Money[];
  medianAckMs: Compared<number | null>;
  medianResolveMs: Compared<number | null>;
}

/** The week (or any run of days) at a glance, against as many days before. */
export interface TrendFacts {
  zone: string;
  days: string[];
  from: number;
  to: number;
  /** Where the period before began; it ends at `from`. */
  beforeFrom: number;
  scope: { team?: string; stage?: Stage; step?: string };
  /** Set when counting began after the period before did: days before it show nothing. */
  countingSince?: number;
  steps: StepTrend[];
  stages: StageTrend[];
  errors: ErrorTrend[];
  exceptions: ExceptionTrend;
}

const STAGE_ORDER = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));
const byStage = (a: { stage: Stage }, b: { stage: Stage }) =>
  (STAGE_ORDER.get(a.stage) ?? 0) - (STAGE_ORDER.get(b.stage) ?? 0);

/** The figures a trend shows, from the sums the store read. */
export function trendFacts(
  rollup: TrendRollup,
  period: TrendPeriod,
  scope: TrendFacts['scope'] = {},
  countingSince = 0,
): TrendFacts {
  const n = period.days.length;
  const from = period.bounds[n] ?? 0;
  const steps = stepTrends(rollup.steps, n);
  // Stage times are the shop's, not a team's: a team sees the stages its steps are in.
  const stagesOfTeam = new Set(steps.map((s) => s.stage));
  return {
    zone: period.zone,
    days: period.days,
    from,
    to: period.bounds[2 * n] ?? from,
    beforeFrom: period.bounds[0] ?? from,
    scope,
    ...(countingSince > (period.bounds[0] ?? 0) && { countingSince }),
    steps,
    stages: stageTrends(rollup.stageTimes).filter(
      (s) => scope.team === undefined || stagesOfTeam.has(s.stage),
    ),
    errors: errorTrends(rollup.codes),
    exceptions: exceptionTrend(rollup.exceptions, from),
  };
}

function stepTrends(rows: TrendRollup['steps'], n: number): StepTrend[] {
  const steps = new Map<string, StepTrend>();
  for (const row of rows) {
    const key = `${row.stage}.${row.step}`;
    let step = steps.get(key);
    if (step === undefined) {
      step = {
        stage: row.stage,
        step: row.step,
        attempts: { now: 0, before: 0 },
        failures: { now: 0, before: 0 },
        daily: Array.from({ length: n }, () => null),
        suppressed: 0,
        stalls: { now: 0, before: 0 },
        trend: 'steady',
      };
      steps.set(key, step);
    }
    const side = row.day > 0 ? 'now' : 'before';
    step.attempts[side] += row.attempts;
    step.failures[side] += row.failures;
    step.stalls[side] += row.stalls;
    if (side === 'now') {
      step.suppressed += row.suppressed;
      if (row.attempts > 0 && row.day <= n) step.daily[row.day - 1] = row.failures / row.attempts;
    }
  }
  return [...steps.values()]
    .map((step) => ({
      ...step,
      trend: failureTrend(
        { attempts: step.attempts.now, failures: step.failures.now },
        { attempts: step.attempts.before, failures: step.failures.before },
      ),
    }))
    .sort((a, b) => byStage(a, b) || b.attempts.now - a.attempts.now || a.step.localeCompare(b.step));
}

function stageTrends(rows: TrendRollup['stageTimes']): StageTrend[] {
  const stages = new Map<Stage, [Map<number, number>, Map<number, number>]>();
  for (const row of rows) {
    let sides = stages.get(row.stage);
    if (sides === undefined) {
      sides = [new Map(), new Map()];
      stages.set(row.stage, sides);
    }
    const side = sides[row.period === 1 ? 1 : 0];
    side.set(row.bucket, (side.get(row.bucket) ?? 0) + row.n);
  }
  const total = (counts: Map<number, number>) => [...counts.values()].reduce((s, c) => s + c, 0);
  return [...stages]
    .map(([stage, [before, now]]) => {
      const carts = { now: total(now), before: total(before) };
      const medianMs = { now: histogramMedian(now) ?? null, before: histogramMedian(before) ?? null };
      const trend = durationTrend(
        { medianMs: medianMs.now, carts: carts.now },
        { medianMs: medianMs.before, carts: carts.before },
      );
      return { stage, carts, medianMs, trend };
    })
    .sort(byStage);
}

const TOP_ERRORS = 5;

function errorTrends(rows: TrendRollup['codes']): ErrorTrend[] {
  const codes = new Map<string, { failures: Compared; where: Map<string, number> }>();
  for (const row of rows) {
    let entry = codes.get(row.code);
    if (entry === undefined) {
      entry = { failures: { now: 0, before: 0 }, where: new Map() };
      codes.set(row.code, entry);
    }
    if (row.period === 1) {
      entry.failures.now += row.n;
      const where = `${row.stage}.${row.step}`;
      entry.where.set(where, (entry.where.get(where) ?? 0) + row.n);
    } else entry.failures.before += row.n;
  }
  return [...codes]
    .filter(([, entry]) => entry.failures.now > 0)
    .map(([code, entry]) => ({
      code,
      failures: entry.failures,
      where: [...entry.where].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '',
    }))
    .sort((a, b) => b.failures.now - a.failures.now || a.code.localeCompare(b.code))
    .slice(0, TOP_ERRORS);
}

function exceptionTrend(exceptions: readonly ExceptionSummary[], from: number): ExceptionTrend {
  const now = exceptions.filter((e) => e.firstSeenAt >= from);
  const before = exceptions.filter((e) => e.firstSeenAt < from);
  const ackMs = (list: readonly ExceptionSummary[]) =>
    median(list.flatMap((e) => (e.acknowledgedAt === undefined ? [] : [e.acknowledgedAt - e.firstSeenAt]))) ??
    null;
  const resolveMs = (list: readonly ExceptionSummary[]) =>
    median(list.flatMap((e) => (e.resolvedAt === undefined ? [] : [e.resolvedAt - e.firstSeenAt]))) ?? null;
  return {
    opened: { now: now.length, before: before.length },
    valueAtRisk: valueAtRisk(now),
    recovered: valueAtRisk(now.filter((e) => e.resolution === 'auto')),
    medianAckMs: { now: ackMs(now), before: ackMs(before) },
    medianResolveMs: { now: resolveMs(now), before: resolveMs(before) },
  };
}

/** Nothing attempted and nothing raised: a quiet period gets one line. */
export function isQuietTrend(facts: TrendFacts): boolean {
  return (
    facts.steps.every((s) => s.attempts.now === 0 && s.stalls.now === 0) && facts.exceptions.opened.now === 0
  );
}

import type { Money, Stage, StoredEvent } from './event.js';
import type { ExceptionFacts } from './exception.js';
import { valueAtRisk } from './money.js';
import { matches, type RateRule } from './noise.js';

export const MINUTE_MS = 60_000;
/** The baseline is the rule's rate over this long before the current window. */
export const BASELINE_MS = 7 * 24 * 60 * MINUTE_MS;
/** Per-minute counts are kept a day longer than the baseline reaches back. */
export const COUNTS_KEPT_MS = BASELINE_MS + 24 * 60 * MINUTE_MS;
/** A breached rule settles only once its rate stays below this share of its threshold for a window. */
export const CALM_SHARE = 0.75;
/** A breached rule's message is redrawn as its figures move, but not more often than this. */
export const UPDATE_EVERY_MS = MINUTE_MS;

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * When an event counts for noise: when it happened, except that a producer's clock running ahead
 * cannot put it in the future. An import of old events fills old minutes (history), not this one.
 */
export function countedAt(event: Pick<StoredEvent, 'occurredAt' | 'receivedAt'>): number {
  return Math.min(event.occurredAt, event.receivedAt);
}

/** Attempts (succeeded + failed) and failures of one rule in one minute, with the failures' codes. */
export interface RateTally {
  rule: string;
  minute: number;
  attempts: number;
  failures: number;
  /** Failures by error code ('' for a failure without one). */
  codes: Record<string, number>;
}

/** What a batch of events adds to each rule's per-minute counts: a few rows, however many events. */
export function tallyRates(events: readonly StoredEvent[], rules: readonly RateRule[]): RateTally[] {
  const tallies = new Map<string, RateTally>();
  for (const event of events) {
    if (event.status === 'started') continue;
    for (const rule of rules) {
      if (!matches(rule.match, event)) continue;
      const minute = minuteOf(countedAt(event));
      const key = `${rule.name}\u0000${minute}`;
      let tally = tallies.get(key);
      if (tally === undefined) {
        tally = { rule: rule.name, minute, attempts: 0, failures: 0, codes: {} };
        tallies.set(key, tally);
      }
      tally.attempts += 1;
      if (event.status !== 'failed') continue;
      tally.failures += 1;
      const code = event.error?.code ?? '';
      tally.codes[code] = (tally.codes[code] ?? 0) + 1;
    }
  }
  return [...tallies.values()];
}

export interface Counts {
  attempts: number;
  failures: number;
}

/** Where a rule stands between sweeps. `calmSince`: below its lower level since then, while breached. */
export interface RateState {
  breachedAt?: number;
  calmSince?: number;
}

/**
 * True when two readings of a rule's state are the same: a sweep's step applies only if the state is
 * still what it read (a second sweeper, or one beside a restart, then changes nothing).
 */
export function sameRateState(a: RateState, b: RateState): boolean {
  return a.breachedAt === b.breachedAt && a.calmSince === b.calmSince;
}

/** The minutes a rule's judgement at `now` reads: its window (the current minute included) and the 7 days before. */
export function rateSpans(rule: Pick<RateRule, 'windowMs'>, now: number) {
  const windowFrom = minuteOf(now) + MINUTE_MS - Math.max(MINUTE_MS, rule.windowMs);
  return { windowFrom, historyFrom: windowFrom - BASELINE_MS, to: minuteOf(now) + MINUTE_MS };
}

/** A rule's rate now against its threshold (the share, or its baseline factor when that is higher). */
export interface RateEvaluation {
  window: Counts;
  rate: number;
  threshold: number;
  /** The 7 days before the window; absent when they had too few attempts to judge by. */
  baselineRate?: number;
  /** Below this for a whole window, a breached rule settles. */
  lowerLevel: number;
  breaching: boolean;
  calm: boolean;
}

export function evaluateRate(rule: RateRule, counts: { window: Counts; history: Counts }): RateEvaluation {
  const { window, history } = counts;
  const rate = share(window);
  // A baseline from a handful of attempts says nothing: with less history than the rule's own
  // minimum, the threshold alone decides.
  const baselineRate =
    rule.baseline !== undefined && history.attempts >= rule.minAttempts ? share(history) : undefined;
  const threshold = Math.max(
    rule.above,
    baselineRate === undefined ? 0 : (rule.baseline ?? 1) * baselineRate,
  );
  const lowerLevel = CALM_SHARE * threshold;
  const evaluation: RateEvaluation = {
    window,
    rate,
    threshold,
    lowerLevel,
    breaching: window.attempts >= rule.minAttempts && rate > threshold,
    // Nothing attempted is nothing failing; a few attempts that still fail often are not calm.
    calm: window.attempts === 0 || rate < lowerLevel,
  };
  if (baselineRate !== undefined) evaluation.baselineRate = baselineRate;
  return evaluation;
}

export type RateAction = 'raise' | 'update' | 'resolve' | 'none';

export interface RateVerdict {
  next: RateState;
  action: RateAction;
  evaluation: RateEvaluation;
}

/**
 * One `rate` exception per rule while breached: raised when the window breaches, kept (its figures
 * updated) while breached, resolved only after the rate stayed below the lower level for a whole
 * window, so a rate hovering around the threshold, or dipping once, does not raise and resolve in turn.
 */
export function judgeRate(
  rule: RateRule,
  state: RateState,
  counts: { window: Counts; history: Counts },
  now: number,
): RateVerdict {
  const evaluation = evaluateRate(rule, counts);
  if (state.breachedAt === undefined) {
    if (!evaluation.breaching) return { next: {}, action: 'none', evaluation };
    return { next: { breachedAt: now }, action: 'raise', evaluation };
  }
  if (!evaluation.calm) return { next: { breachedAt: state.breachedAt }, action: 'update', evaluation };
  const calmSince = state.calmSince ?? now;
  if (now - calmSince >= rule.windowMs) return { next: {}, action: 'resolve', evaluation };
  return { next: { breachedAt: state.breachedAt, calmSince }, action: 'update', evaluation };
}

/** A failed event in a rule's window, as much of it as the message needs. */
export interface FailureSample {
  cartId?: string;
  stage: Stage;
  step: string;
  source: string;
  errorCode?: string;
  amount?: Money;
  at: number;
}

const SAMPLE_CARTS = 5;

/** What a `rate` exception's message shows: the figures, the top codes, a few carts and their value. */
export interface RateFigures {
  rule: string;
  windowMs: number;
  attempts: number;
  failures: number;
  rate: number;
  threshold: number;
  above: number;
  baseline?: { rate: number; factor: number };
  topCodes: { code: string; count: number }[];
  /** The most recent failing carts, each once. */
  sampleCarts: string[];
  /** Failing carts beyond the samples. */
  moreCarts: number;
  /** Each failing cart's value once. */
  valueAtRisk: Money[];
}

export function rateFigures(
  rule: RateRule,
  evaluation: RateEvaluation,
  window: { topCodes: { code: string; count: number }[]; failures: readonly FailureSample[] },
): RateFigures {
  const failures = window.failures.filter((f) => matches(rule.match, f));
  const carts = [
    ...new Set(
      [...failures].sort((a, b) => b.at - a.at).flatMap((f) => (f.cartId === undefined ? [] : [f.cartId])),
    ),
  ];
  const figures: RateFigures = {
    rule: rule.name,
    windowMs: rule.windowMs,
    attempts: evaluation.window.attempts,
    failures: evaluation.window.failures,
    rate: evaluation.rate,
    threshold: evaluation.threshold,
    above: rule.above,
    topCodes: window.topCodes.slice(0, 3),
    sampleCarts: carts.slice(0, SAMPLE_CARTS),
    moreCarts: Math.max(0, carts.length - SAMPLE_CARTS),
    valueAtRisk: valueAtRisk(failures),
  };
  if (evaluation.baselineRate !== undefined && rule.baseline !== undefined)
    figures.baseline = { rate: evaluation.baselineRate, factor: rule.baseline };
  return figures;
}

/** True when a breached rule's message should be drawn again: its figures moved, and not too soon. */
export function figuresWorthUpdating(
  shown: { figures?: RateFigures; updatedAt: number },
  figures: RateFigures,
  now: number,
): boolean {
  if (now - shown.updatedAt < UPDATE_EVERY_MS) return false;
  const before = shown.figures;
  return (
    before === undefined ||
    before.attempts !== figures.attempts ||
    before.failures !== figures.failures ||
    before.threshold !== figures.threshold
  );
}

export function rateDedupKey(rule: Pick<RateRule, 'name'>): string {
  return `rate:${rule.name}`;
}

/**
 * The exception a breached rule raises. Its stage, step and source come from the rule's match (so it
 * is routed like any exception), else from what failed most in the window.
 */
export function rateFacts(rule: RateRule, figures: RateFigures, failures: readonly FailureSample[]) {
  const seen = failures.filter((f) => matches(rule.match, f));
  const only = (values: readonly string[] | undefined) => (values?.length === 1 ? values[0] : undefined);
  const stage = only(rule.match.stage) ?? mostCommon(seen.map((f) => f.stage)) ?? rule.match.stage?.[0];
  const facts: ExceptionFacts = {
    kind: 'rate',
    dedupKey: rateDedupKey(rule),
    stage: (stage ?? 'payment') as Stage,
    step: only(rule.match.step) ?? rule.match.step?.join('+') ?? '*',
    errorMessage: rateSummary(figures),
  };
  const source = only(rule.match.source);
  if (source !== undefined) facts.source = source;
  return facts;
}

/** One line for every surface that shows an exception's message: "14 of 35 attempts failed in 15m (40%, threshold 20%)". */
export function rateSummary(figures: RateFigures): string {
  const minutes = Math.round(figures.windowMs / MINUTE_MS);
  return `${figures.failures} of ${figures.attempts} attempts failed in the last ${minutes}m (${percent(figures.rate)}; threshold ${percent(figures.threshold)}).`;
}

/** 0.4 → "40%", 0.085 → "8.5%". */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function share(counts: Counts): number {
  return counts.attempts === 0 ? 0 : counts.failures / counts.attempts;
}

function mostCommon<T extends string>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

import type { TrendRollupInput } from '../trend-types.js';

/** A half-open range of hours on the roll-ups: [from, to). */
export type HourRange = [from: number, to: number];

/** What a trend's roll-up reads, worked out once for both stores. */
export interface TrendRanges {
  /** The period before as one range (index 0), then each day of this one (1 … n). */
  days: HourRange[];
  /** Two ranges: the period before (0) and this one (1). */
  periods: HourRange[];
  /** Whose figures: null for all. */
  scope: { team: string | null; stage: string | null; step: string | null };
  /** Exceptions raised in [from, to) are summarised: both periods. */
  raised: { from: number; to: number };
}

/**
 * The days before are summed as one range (their days are not shown); each day of this period is
 * its own range. `hours` holds 2n+1 day starts on the hourly roll-ups, `bounds` the same as instants.
 */
export function trendRanges(input: TrendRollupInput): TrendRanges {
  const { hours, bounds } = input;
  const n = (hours.length - 1) / 2;
  const at = (i: number) => hours[i] ?? 0;
  const before: HourRange = [at(0), at(n)];
  return {
    days: [before, ...hours.slice(n, -1).map((from, i): HourRange => [from, at(n + i + 1)])],
    periods: [before, [at(n), at(2 * n)]],
    scope: { team: input.team ?? null, stage: input.stage ?? null, step: input.step ?? null },
    raised: { from: bounds[0] ?? 0, to: bounds[2 * n] ?? 0 },
  };
}

import type { Stage } from '../../domain/event.js';
import type { TrendRollup } from '../../domain/trends.js';

/**
 * A stage hour's hand-offs are kept as one list of counts per duration bucket (index = bucket).
 * Both stores add a batch's counts to the stored list, and sum lists over hours, the same way.
 */

/** The stored counts with a batch's added (`add` keyed by bucket); the list grows to the highest bucket. */
export function addBucketCounts(stored: readonly number[], add: Readonly<Record<string, number>>): number[] {
  const counts = [...stored];
  for (const [bucket, n] of Object.entries(add)) {
    const i = Number(bucket);
    while (counts.length <= i) counts.push(0);
    counts[i] = (counts[i] ?? 0) + n;
  }
  return counts;
}

/** Stored lists as text (JSON): what a store keeps in `stage_hours.buckets`. */
export function parseBucketCounts(text: string): number[] {
  return JSON.parse(text) as number[];
}

/** One stage hour's stored counts, in the period (0 before, 1 this one) its hour falls in. */
export interface StageHourRow {
  period: number;
  stage: Stage;
  buckets: string;
}

/**
 * Each hour's counts per duration bucket summed per period and stage, as rows with a count (buckets
 * with none left out), ordered by period, stage and bucket.
 */
export function sumStageTimes(rows: readonly StageHourRow[]): TrendRollup['stageTimes'] {
  const sums = new Map<string, { period: number; stage: Stage; counts: number[] }>();
  for (const row of rows) {
    const key = `${row.period}\u0000${row.stage}`;
    const sum = sums.get(key) ?? { period: row.period, stage: row.stage, counts: [] };
    const counts = parseBucketCounts(row.buckets);
    for (let i = 0; i < counts.length; i++) sum.counts[i] = (sum.counts[i] ?? 0) + (counts[i] ?? 0);
    sums.set(key, sum);
  }
  return [...sums.values()]
    .sort((a, b) => a.period - b.period || (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : 0))
    .flatMap(({ period, stage, counts }) =>
      counts.flatMap((n, bucket) => (n > 0 ? [{ period, stage, bucket, n }] : [])),
    );
}

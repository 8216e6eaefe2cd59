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

import type { Money } from './event.js';

/** One team's day, as the digest tells it; every count comes with the day before's for comparison. */
export interface DigestFacts {
  team: string;
  localDate: string;
  from: number;
  to: number;
  opened: Compared;
  acknowledged: Compared;
  resolved: Compared;
  autoResolved: Compared;
  carriedOver: number;
  stillOpen: number;
  /** Exceptions raised in the window while a silence held them back, by silence (absent in older digests). */
  silenced?: { reason: string; maintenance?: boolean; count: number }[];
  oldestUnclaimed?: { kind: string; what: string; cartId?: string; since: number };
  medianAckMs?: Compared<number | undefined>;
  medianResolveMs?: Compared<number | undefined>;
  topSteps: { what: string; count: number }[];
  topErrors: { code: string; count: number }[];
  valueAtRisk: Money[];
  /** Failures noise.suppress held back in the window, by reason, most first (absent in older digests). */
  suppressed?: { reason: string; count: number }[];
  /** The failure-rate rules routed to this team, as they stood at the digest's time. */
  rates?: RateStanding[];
  /** What the team's previous digest said of the standing figures, for comparison. */
  previous?: { localDate: string; stillOpen: number; carriedOver: number; valueAtRisk: Money[] };
}

/** Where one failure-rate rule stands: breached (since when) or normal, at its current rate. */
export interface RateStanding {
  rule: string;
  breachedAt?: number;
  rate: number;
  attempts: number;
  threshold: number;
}

export interface Compared<T = number> {
  now: T;
  before: T;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** A quiet day: nothing new, nothing moved, nothing left open. */
export function isQuiet(facts: DigestFacts): boolean {
  return (
    facts.opened.now === 0 &&
    facts.resolved.now === 0 &&
    facts.autoResolved.now === 0 &&
    facts.stillOpen === 0
  );
}

/** The top `n` of a list of labels by count, most frequent first. */
export function topCounts(labels: readonly string[], n: number): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label))
    .slice(0, n);
}

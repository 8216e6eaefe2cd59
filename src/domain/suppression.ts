import type { ExceptionFacts, ExceptionKind } from './exception.js';
import { type SuppressRule, suppressedBy } from './noise.js';
import { countedAt, minuteOf } from './rates.js';

/**
 * What suppression holds back: exceptions raised one by one, per cart. Backlogs, silent sources and
 * rate exceptions are already one per stage, source or rule (a rate rule counts suppressed failures:
 * suppressing it would hide the very jump it watches for); silences are for those.
 */
const SUPPRESSIBLE: ReadonlySet<ExceptionKind> = new Set(['failed', 'stalled']);

/** The rule that holds this exception back (its owner team known), if any. */
export function suppressionOf(
  rules: readonly SuppressRule[],
  facts: ExceptionFacts,
  team: string,
): SuppressRule | undefined {
  if (!SUPPRESSIBLE.has(facts.kind)) return undefined;
  return suppressedBy(rules, {
    stage: facts.stage,
    step: facts.step,
    kind: facts.kind,
    team,
    ...(facts.source !== undefined && { source: facts.source }),
    ...(facts.errorCode !== undefined && { errorCode: facts.errorCode }),
  });
}

/** A failure or stall held back: counted per minute, team and reason; a failure's event is marked. */
export interface Suppressed {
  team: string;
  reason: string;
  minute: number;
  /** The failed event's seq, for its timeline mark; absent for a stall (it has no event of its own). */
  seq?: number;
}

export function suppressedFailure(
  event: { seq: number; occurredAt: number; receivedAt: number },
  team: string,
  rule: SuppressRule,
): Suppressed {
  return { seq: event.seq, team, reason: rule.reason, minute: minuteOf(countedAt(event)) };
}

/** Counts by reason, most first: how digests and metrics tell of what was held back. */
export function countByReason(
  items: readonly { reason: string; n?: number }[],
): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.reason, (counts.get(item.reason) ?? 0) + (item.n ?? 1));
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

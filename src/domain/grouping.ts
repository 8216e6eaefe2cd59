/**
 * Storm grouping, decided without a database: the stores read the candidates and persist the
 * placement, so SQLite and Postgres group alike.
 */

/** Once `min` like exceptions are raised within `windowMs`, they share one message. */
export interface GroupingRule {
  min: number;
  windowMs: number;
}

/** An ungrouped exception with the same group key raised within the window, as the store found it. */
export interface StormCandidate {
  id: number;
  /** When Cartwatch raised it: storms are judged by this, not by when their events occurred. */
  raisedAt: number;
  /** Its own message exists, or may (posted, being posted, or posted in doubt): it must be redrawn. */
  hasMessage: boolean;
  /** Handed to a person who has not acknowledged it yet: theirs, kept out of storms like a reassignment. */
  handedToPerson: boolean;
  /**
   * Already resolved (a retry that worked): it still counts toward the storm it was part of, and
   * joins it, but its own message, if any, is left as it is.
   */
  resolved: boolean;
}

export type Placement =
  /**
   * Posted on its own; `wait`: after the short wait that lets a storm's first members still join
   * quietly (for anything that could be part of a storm).
   */
  | { type: 'alone'; wait: boolean; until?: number }
  /** Joins the live storm of its kind. */
  | { type: 'join'; groupId: number }
  /**
   * Completes a storm: these members (the newcomer included) form it. A member whose own message
   * exists is redrawn to point to the storm; the others' own posts are simply dropped.
   */
  | { type: 'form'; members: { id: number; pointToStorm: boolean }[] };

/** The earliest raise that still counts toward a storm at `now` (the stores read from here). */
export function stormWindowStart(rule: GroupingRule, now: number): number {
  return now - rule.windowMs;
}

/**
 * Where a newly opened exception goes. Trickles count as much as bursts: like exceptions already
 * posted alone within the window join the storm they add up to, so a steady trickle ends as one
 * message after at most `min` root posts instead of one per failure.
 */
export function placeNewException(
  rule: GroupingRule,
  newcomer: { id: number; groupKey: string | undefined },
  found: { liveGroupId?: number; candidates: readonly StormCandidate[] },
  now: number,
): Placement {
  if (newcomer.groupKey === undefined || rule.min < 2) return { type: 'alone', wait: false };
  if (found.liveGroupId !== undefined) return { type: 'join', groupId: found.liveGroupId };
  const since = stormWindowStart(rule, now);
  const recent = found.candidates.filter(
    (c) => c.id !== newcomer.id && c.raisedAt >= since && !c.handedToPerson,
  );
  if (recent.length + 1 < rule.min) {
    // One like it is already in the channel: the next ones wait out that one's window (a storm may
    // still form from them) instead of each posting after the short wait. A trickle then costs
    // two root posts, the first and the storm's, not `min`; the first still goes out at once.
    const shown = recent.filter((c) => c.hasMessage && !c.resolved).map((c) => c.raisedAt);
    if (shown.length === 0) return { type: 'alone', wait: true };
    return { type: 'alone', wait: true, until: Math.min(...shown) + rule.windowMs };
  }
  const members = [...recent]
    .sort((a, b) => a.id - b.id)
    .map((c) => ({ id: c.id, pointToStorm: c.hasMessage && !c.resolved }));
  members.push({ id: newcomer.id, pointToStorm: false });
  return { type: 'form', members };
}

/**
 * What applying a sweep writes, decided once for both stores: given the row as read (and the few
 * facts a store looks up, such as which storm member speaks for its storm), these say whether an
 * escalation step or reminder happens, what it tells, and which due times follow. The stores claim
 * the due rows and run the SQL.
 */
import type { DuePolicy } from '../../domain/due-policy.js';
import type { Stage } from '../../domain/event.js';
import type { SweepBatch, SweepClaim, SweepOutcome, ThreadNote } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';

type Policy = Pick<DuePolicy, 'escalateAfterMs' | 'remindAfterMs'>;
type Raise = SweepBatch['raises'][number];

export function emptySweepOutcome(): SweepOutcome {
  return { opened: 0, resolved: 0, resolvedAfterMs: [], escalated: 0, reminded: 0 };
}

/** A claimed stall or expectation may repeat a live exception; a standing check raises only when none is live. */
export function raiseOptions(claim: SweepClaim): { repeat: boolean } {
  return { repeat: claim.type !== 'once' };
}

/** A stall newly opened counts in trends' hour of its deadline. */
export function stallTally(
  raise: Raise,
): { team: string; stage: Stage; step: string; at: number } | undefined {
  const { facts, routing, at } = raise;
  if (facts.kind !== 'stalled') return undefined;
  return { team: routing.team, stage: facts.stage, step: facts.step, at };
}

/** One key per due row, so a store that claims a batch at once can tell which of them it got. */
export function claimKey(claim: Extract<SweepClaim, { type: 'stall' | 'expect' }>): string {
  return claim.type === 'stall'
    ? `stall\u0000${claim.cartId}\u0000${claim.dueAt}`
    : `expect\u0000${claim.cartId}\u0000${claim.rule}\u0000${claim.dueAt}`;
}

/** The due rows a sweep batch consumes: raised, suppressed, or dropped under rules no longer configured. */
export function claimsOf(batch: SweepBatch): Extract<SweepClaim, { type: 'stall' | 'expect' }>[] {
  const all = [
    ...batch.raises.map((r) => r.claim),
    ...(batch.suppressed ?? []).map((s) => s.claim),
    ...batch.drops,
  ];
  return all.flatMap((claim) => (claim.type === 'once' ? [] : [claim]));
}

export type EscalationPlan =
  /** Acknowledged, resolved or moved meanwhile: the step is not taken. */
  | { type: 'skip' }
  /** A storm escalates once, through its oldest open member; the others stand down. */
  | { type: 'stand_down'; level: number }
  | {
      type: 'step';
      level: number;
      escalateAt: number | null;
      /** Level 1: the team is mentioned in the thread (the storm's, for a member). */
      threadNote?: ThreadNote;
      /** Level 2: it joins its team's board in the escalation channel. */
      board?: { team: string; channel: string; groupId?: number };
    };

/**
 * First the team is mentioned in the thread; after twice the wait, it joins its team's board in
 * the escalation channel (one living message per team, not a post per exception). `spokesmanId` is
 * the storm's oldest open member still escalating, for a storm member.
 */
export function planEscalation(
  row: ExceptionRow | undefined,
  step: SweepBatch['escalations'][number],
  context: { escalationChannel?: string; spokesmanId?: number; policy: Policy },
): EscalationPlan {
  if (row?.state !== 'open' || row.escalate_at !== step.escalateAt) return { type: 'skip' };
  const groupId = row.group_id ?? undefined;
  if (groupId !== undefined && context.spokesmanId !== row.id)
    return { type: 'stand_down', level: row.escalation_level };
  const level = row.escalation_level + 1;
  const { escalationChannel, policy } = context;
  const hasNextStep = level === 1 && escalationChannel !== undefined;
  const plan: EscalationPlan = {
    type: 'step',
    level,
    escalateAt: hasNextStep ? step.escalateAt + policy.escalateAfterMs : null,
  };
  if (level === 1) {
    const waitedMs = policy.escalateAfterMs * level;
    plan.threadNote = {
      type: 'escalation',
      waitedMs,
      ...(step.mention !== undefined && { mention: step.mention }),
    };
  } else if (escalationChannel !== undefined) {
    plan.board = { team: row.team, channel: escalationChannel, ...(groupId !== undefined && { groupId }) };
  }
  return plan;
}

export type ReminderPlan =
  | { type: 'skip' }
  /** `note`: told in its thread (a storm's member only when it speaks for the storm). */
  | { type: 'remind'; note?: ThreadNote; remindAt: number };

/**
 * An acknowledged exception its assignee has sat on is reminded of, again every remindAfterMs. A
 * storm is reminded of once, through its message: by its first acknowledged member (`reminderId`).
 */
export function planReminder(
  row: ExceptionRow | undefined,
  step: SweepBatch['reminders'][number],
  context: { now: number; reminderId?: number; policy: Policy },
): ReminderPlan {
  if (row?.state !== 'acknowledged' || row.remind_at !== step.remindAt || row.assignee === null)
    return { type: 'skip' };
  const { now, policy } = context;
  const remindAt = now + policy.remindAfterMs;
  if (row.group_id !== null && context.reminderId !== row.id) return { type: 'remind', remindAt };
  const waitedMs = now - (row.acknowledged_at ?? now);
  return { type: 'remind', note: { type: 'reminder', assignee: row.assignee, waitedMs }, remindAt };
}

/**
 * Reads each storm once per sweep batch. A burst's members fall due together, and reading the whole
 * storm for each of them cost its size squared (seconds, for an outage of a few thousand carts).
 * Within a batch the answers hold: a member standing down or stepping up, or a reminded one, does
 * not change which member speaks for its storm.
 */
export function oncePerStorm<T>(read: (groupId: number) => T): (groupId: number) => T {
  const seen = new Map<number, T>();
  return (groupId) => {
    if (!seen.has(groupId)) seen.set(groupId, read(groupId));
    return seen.get(groupId) as T;
  };
}

/** A live member of a storm, as the sweep weighs which member speaks for it. */
export interface StormMember {
  id: number;
  state: string;
  escalate_at: number | null;
  escalation_level: number;
  remind_at: number | null;
}

/**
 * The member a storm escalates through: its oldest open member still escalating, or one that has
 * already escalated (its last step leaves no due time, yet the storm has been told): a storm
 * escalates once, however many of its members fall due.
 */
export function stormSpokesman(members: readonly StormMember[]): number | undefined {
  return oldest(
    members.filter((m) => m.state === 'open' && (m.escalate_at !== null || m.escalation_level > 0)),
  );
}

/** The member a storm is reminded of through: its first acknowledged member still reminded of. */
export function stormReminder(members: readonly StormMember[]): number | undefined {
  return oldest(members.filter((m) => m.state === 'acknowledged' && m.remind_at !== null));
}

function oldest(members: readonly StormMember[]): number | undefined {
  return members.reduce<number | undefined>(
    (min, m) => (min === undefined || m.id < min ? m.id : min),
    undefined,
  );
}

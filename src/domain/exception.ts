import type { Money, Stage } from './event.js';
import type { RateFigures } from './rates.js';

export const EXCEPTION_KINDS = ['failed', 'stalled', 'backlog', 'silent_source', 'rate'] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export type ExceptionState = 'open' | 'acknowledged' | 'resolved';

/** What an exception is about, as detection saw it; the same facts the Slack message shows. */
export interface ExceptionFacts {
  kind: ExceptionKind;
  /** Same key, same exception: a repeat raises its count instead of opening another. */
  dedupKey: string;
  cartId?: string;
  stage: Stage;
  step: string;
  errorCode?: string;
  errorMessage?: string;
  amount?: Money;
  /** Where the amount came from: the failing event itself, or the cart's known value. */
  amountFrom?: AmountSource;
  source?: string;
  runId?: string;
}

export type AmountSource = 'event' | 'cart';

export interface Routing {
  team: string;
  channel: string;
  /** Why it came to this team, in words: "stage is payment", "reassigned from the ops team". */
  reason: string;
}

export interface ExceptionRecord extends ExceptionFacts, Routing {
  id: number;
  state: ExceptionState;
  /** Set once resolved: by a person, or automatically by a later success. */
  resolution?: 'manual' | 'auto';
  assignee?: string;
  acknowledgedAt?: number;
  resolvedAt?: number;
  resolvedBy?: string;
  firstSeenAt: number;
  lastSeenAt: number;
  /** When Cartwatch raised it (first/last seen are when its events occurred). */
  raisedAt: number;
  count: number;
  /** A `rate` exception's figures as last updated: failures, attempts, rate, codes, carts, value. */
  rate?: RateFigures;
  /** Bumped by changes a person could act on (not repeats), so stale clicks can be told apart. */
  revision: number;
  /** The root Slack message, once posted. */
  slackTs?: string;
  /** Next escalation step while unacknowledged (0: none yet, 1: team mentioned, 2: escalation channel told). */
  escalateAt?: number;
  escalationLevel: number;
  /** Next reminder while acknowledged and unresolved. */
  remindAt?: number;
  /** Set when it is shown as part of a storm's grouped message instead of its own. */
  groupId?: number;
  /** The silence it was raised under: held back (not posted, not escalated) until that ended. */
  silenceId?: number;
  /** Snoozed: no escalation or reminder until then. */
  snoozedUntil?: number;
  snoozedBy?: string;
}

/** A storm of like exceptions (one kind, stage, step and error code) shown as one message. */
export interface ExceptionGroup {
  id: number;
  groupKey: string;
  kind: ExceptionKind;
  stage: Stage;
  step: string;
  errorCode?: string;
  team: string;
  channel: string;
  firstSeenAt: number;
  lastSeenAt: number;
  revision: number;
  /**
   * Its newest member's exception id: a drawing's storm-wide buttons act on members up to it, so
   * members joining after it was drawn are left for the next drawing rather than taken unseen.
   */
  lastMemberId: number;
  slackTs?: string;
  total: number;
  open: number;
  acknowledged: number;
  resolved: number;
  /** Summed over members not yet resolved, per currency. */
  valueAtRisk: Money[];
  /** A few of the members' carts, most recent first. */
  sampleCarts: string[];
  /** Who acknowledged its members (still held, or resolved since), most members first. */
  acknowledgedBy: PersonCount[];
  /** Who resolved its members ("cartwatch" for automatic resolutions), most members first. */
  resolvedBy: PersonCount[];
}

/** How many of a storm's members one person handled. */
export interface PersonCount {
  user: string;
  count: number;
}

/** What a storm shares: one owner team, kind, step and error code. Only failures and stalls are grouped. */
export function groupKeyOf(facts: ExceptionFacts, team: string): string | undefined {
  if (facts.kind !== 'failed' && facts.kind !== 'stalled') return undefined;
  return `${team}|${facts.kind}|${facts.stage}.${facts.step}|${facts.errorCode ?? ''}`;
}

export interface AuditEntry {
  exceptionId: number;
  at: number;
  /** A Slack user id, or "cartwatch" for automatic changes. */
  actor: string;
  action:
    | 'opened'
    | 'repeated'
    | 'acknowledged'
    | 'unacknowledged'
    | 'reassigned'
    | 'resolved'
    | 'auto_resolved'
    | 'snoozed'
    | 'snooze_ended';
  note?: string;
}

export const SYSTEM_ACTOR = 'cartwatch';

/**
 * Why a handoff would change nothing (the same team, and the same person or none named), in words for
 * the person asking; undefined when it would move the exception.
 */
export function unchangedHandoff(
  current: { team: string; assignee?: string },
  to: { team?: string; assignee?: string },
): string | undefined {
  const sameTeam = to.team === undefined || to.team === current.team;
  const samePerson = to.assignee === undefined || to.assignee === current.assignee;
  if (!sameTeam || !samePerson) return undefined;
  // Plain words: a modal's error text cannot show a user mention.
  const holder = current.assignee === undefined ? '' : ', assigned to that person';
  return `It is already with the ${current.team} team${holder}: pick another team or person.`;
}

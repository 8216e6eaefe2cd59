/**
 * What an exception change writes, decided once for both stores: given the row as read (and the
 * few facts a store looks up), these say which columns change and which Slack writes follow. The
 * stores only run the SQL.
 */
import type { DuePolicy } from '../../domain/due-policy.js';
import type { Money } from '../../domain/event.js';
import {
  type AmountSource,
  type AuditEntry,
  type ExceptionFacts,
  type ExceptionKind,
  groupKeyOf,
  type Routing,
} from '../../domain/exception.js';
import type { Silence } from '../../domain/silence.js';
import { mergeStall } from '../../domain/sweep-rules.js';
import type { ActionInput, DetectionOutcome, ThreadNote } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';

/** Which states a person's action moves an exception from, to which, and how the audit names it. */
export const NEXT_STATE: Record<
  ActionInput['action'],
  { from: readonly string[]; to: 'open' | 'acknowledged' | 'resolved'; audit: AuditEntry['action'] }
> = {
  acknowledge: { from: ['open'], to: 'acknowledged', audit: 'acknowledged' },
  unacknowledge: { from: ['acknowledged'], to: 'open', audit: 'unacknowledged' },
  resolve: { from: ['open', 'acknowledged'], to: 'resolved', audit: 'resolved' },
};

/** The columns a person's action (or a storm-wide one) sets, with the row's revision bumped. */
export interface StateColumns {
  state: string;
  assignee: string | null;
  acknowledged_at: number | null;
  resolution: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  escalate_at: number | null;
  remind_at: number | null;
  escalation_level: number;
}

/** The clicker saw an older drawing, or the action does not apply to the state it is in now. */
export function actionIsStale(
  row: Pick<ExceptionRow, 'revision' | 'state'>,
  input: Pick<ActionInput, 'revision' | 'action'>,
): boolean {
  return row.revision !== input.revision || !NEXT_STATE[input.action].from.includes(row.state);
}

/** What a person's action sets: due times for reminders and escalation move with it. */
export function actionColumns(
  row: Pick<ExceptionRow, 'escalation_level' | 'assignee' | 'acknowledged_at'>,
  input: { action: ActionInput['action']; actor: string; at: number },
  policy: Pick<DuePolicy, 'escalateAfterMs' | 'remindAfterMs'>,
): StateColumns {
  const to = NEXT_STATE[input.action].to;
  const level = row.escalation_level;
  const none = { resolution: null, resolved_at: null, resolved_by: null };
  // Storm members are reminded too: the sweep sends one reminder per storm, to its message's thread.
  if (to === 'acknowledged')
    return {
      state: to,
      assignee: input.actor,
      acknowledged_at: input.at,
      ...none,
      escalate_at: null,
      remind_at: input.at + policy.remindAfterMs,
      escalation_level: level,
    };
  // Released: escalation starts over, from the team mention.
  if (to === 'open')
    return {
      state: to,
      assignee: null,
      acknowledged_at: null,
      ...none,
      escalate_at: input.at + policy.escalateAfterMs,
      remind_at: null,
      escalation_level: 0,
    };
  return {
    state: to,
    assignee: row.assignee,
    acknowledged_at: row.acknowledged_at,
    resolution: 'manual',
    resolved_at: input.at,
    resolved_by: input.actor,
    escalate_at: null,
    remind_at: null,
    escalation_level: level,
  };
}

/** The audit note and thread note of a person's action. */
export function actionNote(input: ActionInput): ThreadNote {
  const rule = NEXT_STATE[input.action];
  return {
    type: 'action',
    action: rule.audit,
    actor: input.actor,
    ...(input.note !== undefined && { note: input.note }),
  };
}

/**
 * The money an exception puts at risk: the amount its event carried, else the cart's known value
 * (a fulfilment failure of a paid cart is money at risk too).
 */
export function valueAtRisk(
  facts: ExceptionFacts,
  cartValue: Money | undefined,
): { amount: Money; from: AmountSource } | undefined {
  if (facts.amount !== undefined) return { amount: facts.amount, from: facts.amountFrom ?? 'event' };
  return cartValue && { amount: cartValue, from: 'cart' };
}

/** The cart whose known value to look up: only when the event carried no amount of its own. */
export function cartToValue(facts: ExceptionFacts): string | undefined {
  return facts.amount === undefined ? facts.cartId : undefined;
}

/**
 * A second stall rule for the same cart and stage: the reasons the open stall then shows (its reason
 * joins it, in the thread too), or undefined when this is a plain repeat.
 */
export function stallReasonToAdd(
  live: Pick<ExceptionRow, 'kind' | 'error_code' | 'error_message'>,
  facts: ExceptionFacts,
): { errorCode: string; errorMessage: string } | undefined {
  if (live.kind !== 'stalled' || facts.kind !== 'stalled') return undefined;
  return mergeStall(
    {
      ...(live.error_code !== null && { errorCode: live.error_code }),
      ...(live.error_message !== null && { errorMessage: live.error_message }),
    },
    facts,
  );
}

/** Whether a later success may already have settled it: only a cart's failure can be. */
export function maySettleOnArrival(facts: ExceptionFacts): facts is ExceptionFacts & { cartId: string } {
  return facts.kind === 'failed' && facts.cartId !== undefined;
}

/** The row a raise inserts (state 'open', count 1), whatever the store. */
export interface OpeningColumns {
  dedup_key: string;
  kind: string;
  cart_id: string | null;
  stage: string;
  step: string;
  error_code: string | null;
  error_message: string | null;
  amount_value: number | null;
  amount_currency: string | null;
  amount_from: string | null;
  source: string | null;
  run_id: string | null;
  team: string;
  channel: string;
  route_reason: string;
  first_seen_at: number;
  last_seen_at: number;
  raised_at: number;
  escalate_at: number | null;
  group_key: string | null;
  silence_id: number | null;
}

/**
 * A new exception's row. Held back by a silence it is neither escalated nor grouped until the silence
 * ends and releases it.
 */
export function openingColumns(input: {
  facts: ExceptionFacts;
  routing: Routing;
  at: number;
  now: number;
  value: { amount: Money; from: AmountSource } | undefined;
  silence: Silence | undefined;
  escalateAfterMs: number;
}): OpeningColumns {
  const { facts, routing, at, now, value, silence } = input;
  return {
    dedup_key: facts.dedupKey,
    kind: facts.kind,
    cart_id: facts.cartId ?? null,
    stage: facts.stage,
    step: facts.step,
    error_code: facts.errorCode ?? null,
    error_message: facts.errorMessage ?? null,
    amount_value: value?.amount.value ?? null,
    amount_currency: value?.amount.currency ?? null,
    amount_from: value?.from ?? null,
    source: facts.source ?? null,
    run_id: facts.runId ?? null,
    team: routing.team,
    channel: routing.channel,
    route_reason: routing.reason,
    first_seen_at: at,
    last_seen_at: at,
    raised_at: now,
    escalate_at: silence ? null : now + input.escalateAfterMs,
    group_key: silence ? null : (groupKeyOf(facts, routing.team) ?? null),
    silence_id: silence?.id ?? null,
  };
}

/** The 'opened' audit note: why it is not in the channel, when a silence holds it back. */
export function openedNote(silence: Silence | undefined): string | null {
  return silence ? `held back by silence #${silence.id} (${silence.reason})` : null;
}

export const SETTLED_ON_ARRIVAL_NOTE = 'a later success had already arrived';

/**
 * Where a changed exception is drawn again: its storm's message, its own (held back by a silence it
 * has none yet, and its story waits for the release), or nowhere.
 */
export function redrawTarget(row: Pick<ExceptionRow, 'group_id'>, held: boolean): 'group' | 'own' | 'none' {
  if (row.group_id !== null) return 'group';
  return held ? 'none' : 'own';
}

/**
 * Settled automatically with its own post still waiting (a retry that worked within seconds): nobody
 * could have acted on it, so its post may be dropped, keeping it out of the channel.
 */
export function mayDropUnsentPost(row: Pick<ExceptionRow, 'group_id' | 'slack_ts'>): boolean {
  return row.group_id === null && row.slack_ts === null;
}

/** A detection batch's outcome before any change: what a batch from a moved cursor reports. */
export function emptyDetectionOutcome(): DetectionOutcome {
  return { opened: 0, repeated: 0, resolved: 0, resolvedAfterMs: [] };
}

/** Counts a raise in a detection batch's outcome: opened, or a repeat (a skipped one is neither). */
export function countRaise(outcome: DetectionOutcome, result: 'opened' | 'repeated' | 'skipped'): void {
  if (result === 'opened') outcome.opened += 1;
  else if (result === 'repeated') outcome.repeated += 1;
}

/** Counts an automatic resolution (when there was one) and how long it took. */
export function countResolved(
  outcome: { resolved: number; resolvedAfterMs: number[] },
  afterMs: number | undefined,
): void {
  if (afterMs === undefined) return;
  outcome.resolved += 1;
  outcome.resolvedAfterMs.push(afterMs);
}

/** A handoff is refused when the clicker saw an older drawing, or it was resolved meanwhile. */
export function reassignIsStale(row: Pick<ExceptionRow, 'revision' | 'state'>, revision: number): boolean {
  return row.revision !== revision || row.state === 'resolved';
}

/**
 * What a cart's later success in a stage settles: its live failures and stalls there, seen no later
 * than the success (a backlog, a silent source or a rate are settled by their own signals).
 */
export const SETTLED_BY_SUCCESS: readonly ExceptionKind[] = ['failed', 'stalled'];

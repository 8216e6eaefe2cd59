import type { StepRef } from './due-policy.js';
import type { Money, Stage } from './event.js';
import type { ExceptionFacts } from './exception.js';

/** Compact durations for exception text: 1h 30m, 45m, 2d 3h. */
export function shortDuration(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))}s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * One stuck cart is one open stall per stage, whichever rule noticed it first (the stage's SLA or an
 * expected next step): both rules raise under this key, so the second one finds the first.
 */
export function stallKey(cartId: string, stage: Stage): string {
  return `stalled:${cartId}:${stage}`;
}

/**
 * When a second rule fires for a cart's open stall, it adds its reason instead of opening another.
 * The merged stall keeps the stricter code: a missing expected step is settled only by that stage
 * succeeding, while an SLA stall ends with any progress.
 */
export function mergeStall(
  live: { errorCode?: string; errorMessage?: string },
  next: { errorCode?: string; errorMessage?: string },
): { errorCode: string; errorMessage: string } | undefined {
  const message = live.errorMessage ?? '';
  if (next.errorMessage === undefined || message.includes(next.errorMessage)) return undefined;
  const codes = [live.errorCode, next.errorCode];
  return {
    errorCode: codes.includes(MISSING_STEP)
      ? MISSING_STEP
      : (live.errorCode ?? next.errorCode ?? SLA_EXCEEDED),
    errorMessage: `${message} Also: ${next.errorMessage}`.trim(),
  };
}

export const SLA_EXCEEDED = 'sla_exceeded';
export const MISSING_STEP = 'expected_step_missing';

/** A cart that sat in its stage past the SLA. One live exception per cart and stage. */
export function stallFacts(stall: {
  cartId: string;
  stage: Stage;
  step: string;
  dueAt: number;
  lastProgressAt: number;
  amount?: Money;
}) {
  const facts: ExceptionFacts = {
    kind: 'stalled',
    dedupKey: stallKey(stall.cartId, stall.stage),
    cartId: stall.cartId,
    stage: stall.stage,
    step: stall.step,
    errorCode: SLA_EXCEEDED,
    errorMessage: `No progress in ${stall.stage} since ${stall.step}; the SLA is ${shortDuration(stall.dueAt - stall.lastProgressAt)}.`,
  };
  if (stall.amount !== undefined) Object.assign(facts, { amount: stall.amount, amountFrom: 'cart' });
  return facts;
}

/** An expected next step that did not follow in time; it is the missing step that the exception names. */
export function missingStepFacts(
  due: { cartId: string; amount?: Money },
  rule: { after: StepRef; next: StepRef; withinMs: number },
): ExceptionFacts {
  const after = `${rule.after.stage}.${rule.after.step}`;
  const next = `${rule.next.stage}.${rule.next.step}`;
  const facts: ExceptionFacts = {
    kind: 'stalled',
    dedupKey: stallKey(due.cartId, rule.next.stage),
    cartId: due.cartId,
    stage: rule.next.stage,
    step: rule.next.step,
    errorCode: MISSING_STEP,
    errorMessage: `${next} did not follow ${after} within ${shortDuration(rule.withinMs)}.`,
  };
  if (due.amount !== undefined) Object.assign(facts, { amount: due.amount, amountFrom: 'cart' });
  return facts;
}

export type Verdict = { type: 'raise'; facts: ExceptionFacts } | { type: 'resolve'; dedupKey: string };

/** Too many carts waiting in a stage, or the oldest waiting too long; drained resolves it. */
export function backlogVerdict(
  stage: Stage,
  rule: { maxWaiting?: number; maxAgeMs?: number },
  backlog: { waiting: number; oldestAt?: number },
  now: number,
): Verdict {
  const dedupKey = `backlog:${stage}`;
  const age = backlog.oldestAt === undefined ? 0 : now - backlog.oldestAt;
  const tooMany = rule.maxWaiting !== undefined && backlog.waiting > rule.maxWaiting;
  const tooOld = rule.maxAgeMs !== undefined && age > rule.maxAgeMs;
  if (!tooMany && !tooOld) return { type: 'resolve', dedupKey };
  const limits = [
    rule.maxWaiting !== undefined ? `max ${rule.maxWaiting}` : undefined,
    rule.maxAgeMs !== undefined ? `oldest allowed ${shortDuration(rule.maxAgeMs)}` : undefined,
  ].filter(Boolean);
  return {
    type: 'raise',
    facts: {
      kind: 'backlog',
      dedupKey,
      stage,
      step: 'waiting',
      errorCode: tooMany ? 'too_many_waiting' : 'oldest_too_old',
      errorMessage: `${backlog.waiting} carts waiting in ${stage}, the oldest for ${shortDuration(age)} (${limits.join(', ')}).`,
    },
  };
}

/** A source whose runs stopped arriving: nothing for twice its expected interval. */
/** The dedup key of a source's silence: raised by the sweep, resolved when the source is heard again. */
export function silentSourceKey(source: string): string {
  return `silent:${source}`;
}

export function silentSourceVerdict(
  source: string,
  everyMs: number,
  heard: { lastSeenAt?: number; stage?: Stage; watchingSince: number },
  now: number,
): Verdict | undefined {
  const since = heard.lastSeenAt ?? heard.watchingSince;
  if (now - since <= 2 * everyMs) return undefined;
  return {
    type: 'raise',
    facts: {
      kind: 'silent_source',
      dedupKey: silentSourceKey(source),
      stage: heard.stage ?? 'catalog',
      step: 'run',
      source,
      errorCode: 'no_runs',
      errorMessage: `Nothing from ${source} for ${shortDuration(now - since)}; it should run every ${shortDuration(everyMs)}.`,
    },
  };
}

import type { StepRef } from './due-policy.js';
import type { Money, Stage } from './event.js';
import type { ExceptionFacts } from './exception.js';

/** Compact durations for exception text: 1h 30m, 45m, 2d 3h. */
export function shortDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

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
    dedupKey: `stalled:sla:${stall.cartId}:${stall.stage}`,
    cartId: stall.cartId,
    stage: stall.stage,
    step: stall.step,
    errorCode: 'sla_exceeded',
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
    dedupKey: `stalled:expect:${due.cartId}:${after}>${next}`,
    cartId: due.cartId,
    stage: rule.next.stage,
    step: rule.next.step,
    errorCode: 'expected_step_missing',
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
      dedupKey: `silent:${source}`,
      stage: heard.stage ?? 'catalog',
      step: 'run',
      source,
      errorCode: 'no_runs',
      errorMessage: `Nothing from ${source} for ${shortDuration(now - since)}; it should run every ${shortDuration(everyMs)}.`,
    },
  };
}

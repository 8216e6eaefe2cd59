import type { Stage, Status } from './event.js';

export interface StepRef {
  stage: Stage;
  step: string;
}

/** The time rules (from cartwatch.yml) that decide when something becomes due. */
export interface DuePolicy {
  slaMs: Partial<Record<Stage, number>>;
  expect: readonly { after: StepRef; next: StepRef; withinMs: number }[];
  watchedSources: readonly string[];
  escalateAfterMs: number;
  remindAfterMs: number;
  /**
   * Storms: once `min` like exceptions open within `windowMs`, they share one message. A new
   * groupable exception's own message waits `waitMs` first, so a storm's first members can join.
   */
  grouping: { min: number; windowMs: number; waitMs: number };
}

export const NO_DUE_POLICY: DuePolicy = {
  slaMs: {},
  expect: [],
  watchedSources: [],
  escalateAfterMs: 15 * 60_000,
  remindAfterMs: 4 * 3_600_000,
  grouping: { min: 5, windowMs: 5 * 60_000, waitMs: 10_000 },
};

/**
 * When a cart whose latest event this is overstays its stage: never for a failure (that has its own
 * exception) or for a cart that finished post-purchase, else its stage's SLA after the event.
 */
export function stallDueAt(
  policy: DuePolicy,
  stage: Stage,
  status: Status,
  occurredAt: number,
): number | null {
  const sla = policy.slaMs[stage];
  if (sla === undefined || status === 'failed') return null;
  if (stage === 'post_purchase' && status === 'succeeded') return null;
  return occurredAt + sla;
}

/** A rule's name that survives reordering the config: "payment.authorize>payment.capture". */
export function expectRuleKey(rule: { after: StepRef; next: StepRef }): string {
  return `${rule.after.stage}.${rule.after.step}>${rule.next.stage}.${rule.next.step}`;
}

export function isStep(ref: StepRef, stage: Stage, step: string): boolean {
  return ref.stage === stage && ref.step === step;
}

import { type DuePolicy, expectRuleKey, isStep, stallDueAt } from './due-policy.js';
import type { Stage, Status } from './event.js';

/** A cart's projection: where it stands, built from its events in whatever order they arrive. */
export interface CartProjection {
  stage: Stage;
  step: string;
  status: Status;
  lastProgressAt: number;
  firstSeenAt: number;
  /** Minor units; null until an event carried an amount. */
  value: number | null;
  currency: string | null;
  eventCount: number;
  /** When it overstays its stage (null when no SLA applies). */
  stallDueAt: number | null;
}

/** What one event tells the projection. */
export interface ProjectedEvent {
  stage: Stage;
  step: string;
  status: Status;
  occurredAt: number;
  amount?: { value: number; currency: string } | undefined;
}

/** The projection a single event makes on its own (a cart's first event, or one merged in). */
export function projectionOf(policy: DuePolicy, event: ProjectedEvent): CartProjection {
  return {
    stage: event.stage,
    step: event.step,
    status: event.status,
    lastProgressAt: event.occurredAt,
    firstSeenAt: event.occurredAt,
    value: event.amount?.value ?? null,
    currency: event.amount?.currency ?? null,
    eventCount: 1,
    stallDueAt: stallDueAt(policy, event.stage, event.status, event.occurredAt),
  };
}

/**
 * Merges what arrived into the cart's projection. The latest by occurred time leads (a tie goes to
 * what arrived last), so a late event never rewinds stage, step, status or stall due time; the value
 * is the latest one known, or the first when the cart had none; first seen is the earliest.
 */
export function mergeProjection(
  current: CartProjection | undefined,
  incoming: CartProjection,
): CartProjection {
  if (current === undefined) return incoming;
  const leads = incoming.lastProgressAt >= current.lastProgressAt;
  const takesValue = incoming.value !== null && (current.value === null || leads);
  const lead = leads ? incoming : current;
  return {
    stage: lead.stage,
    step: lead.step,
    status: lead.status,
    stallDueAt: lead.stallDueAt,
    lastProgressAt: Math.max(current.lastProgressAt, incoming.lastProgressAt),
    firstSeenAt: Math.min(current.firstSeenAt, incoming.firstSeenAt),
    value: takesValue ? incoming.value : current.value,
    currency: takesValue ? incoming.currency : current.currency,
    eventCount: current.eventCount + incoming.eventCount,
  };
}

/** An expect rule's row for a cart after an event: armed with its times, or gone (`arm` undefined). */
export interface ExpectationChange {
  rule: string;
  arm?: { afterAt: number; dueAt: number };
}

/** An "after" step that succeeded arms its rule for the cart; the "then" step disarms it. */
export function expectationChanges(policy: DuePolicy, event: ProjectedEvent): ExpectationChange[] {
  const changes: ExpectationChange[] = [];
  for (const rule of policy.expect) {
    if (isStep(rule.next, event.stage, event.step)) changes.push({ rule: expectRuleKey(rule) });
    else if (event.status === 'succeeded' && isStep(rule.after, event.stage, event.step)) {
      const afterAt = event.occurredAt;
      changes.push({ rule: expectRuleKey(rule), arm: { afterAt, dueAt: afterAt + rule.withinMs } });
    }
  }
  return changes;
}

import type { Stage } from './event.js';

/**
 * What a noise rule, a silence or a maintenance window matches. Every field given must match
 * (each a list of allowed values); a field left out matches anything.
 */
export interface NoiseMatch {
  stage?: Stage[];
  step?: string[];
  source?: string[];
  error_code?: string[];
  kind?: string[];
  team?: string[];
}

/** The facts a match is tested against: an event's failure, or an exception. */
export interface NoiseSubject {
  stage: Stage;
  step: string;
  source?: string;
  errorCode?: string;
  kind?: string;
  team?: string;
}

/** Failures stored and counted, never raised one by one. */
export interface SuppressRule {
  match: NoiseMatch;
  /** Why, in a word or two: "customer-caused". Digests count suppressed failures by it. */
  reason: string;
}

/** Raise one `rate` exception while a step fails more often than this. */
export interface RateRule {
  /** Stable across config edits: given, or made from the match. */
  name: string;
  match: Pick<NoiseMatch, 'stage' | 'step' | 'source'>;
  windowMs: number;
  /** Succeeded + failed attempts in the window before the rule may fire. */
  minAttempts: number;
  /** A share, 0.2 for `20%`. */
  above: number;
  /** A factor over the previous 7 days' rate, 2 for `2x`; absent: the threshold alone decides. */
  baseline?: number;
}

/** A scheduled silence from cartwatch.yml: one-off (`fromAt`/`untilAt`) or weekly. */
export type MaintenanceWindow = {
  name: string;
  match: NoiseMatch;
} & (
  | { kind: 'once'; fromAt: number; untilAt: number }
  | { kind: 'weekly'; weekday: number; time: string; forMs: number; timezone: string }
);

export interface NoiseConfig {
  suppress: SuppressRule[];
  rates: RateRule[];
}

/**
 * Card-issuer and customer decisions (PLATFORM.md): normal at 10-20% of online attempts, so one
 * decline is noise and a jump in their rate is the news. Operational errors (processing_error,
 * api_error, rate limits, our own authentication) are never in this list.
 */
export const CUSTOMER_CAUSED_PAYMENT_CODES = [
  'card_declined',
  'insufficient_funds',
  'do_not_honor',
  'generic_decline',
  'expired_card',
  'incorrect_cvc',
  'invalid_cvc',
  'incorrect_zip',
  'incorrect_number',
  'authentication_required',
  'lost_card',
  'stolen_card',
  'fraudulent',
  'card_velocity_exceeded',
] as const;

/** True when every field the match names allows the subject's value. */
export function matches(match: NoiseMatch, subject: NoiseSubject): boolean {
  const value: Record<keyof NoiseMatch, string | undefined> = {
    stage: subject.stage,
    step: subject.step,
    source: subject.source,
    error_code: subject.errorCode,
    kind: subject.kind,
    team: subject.team,
  };
  return (Object.keys(match) as (keyof NoiseMatch)[]).every((key) => {
    const allowed = match[key] as readonly string[] | undefined;
    if (allowed === undefined) return true;
    const actual = value[key];
    return actual !== undefined && allowed.includes(actual);
  });
}

/** The first suppression rule that holds this failure back, if any. */
export function suppressedBy(
  rules: readonly SuppressRule[],
  subject: NoiseSubject,
): SuppressRule | undefined {
  return rules.find((rule) => matches(rule.match, subject));
}

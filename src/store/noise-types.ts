import type { ExceptionFacts, ExceptionRecord, Routing } from '../domain/exception.js';
import type { Counts, FailureSample, RateFigures, RateState } from '../domain/rates.js';

/** What the store holds on one rate rule for the sweep to judge it at a moment. */
export interface RateReadout {
  /** Attempts and failures in the rule's window. */
  window: Counts;
  /** In the 7 days before the window. */
  history: Counts;
  /** The window's failures by error code, most first. */
  topCodes: { code: string; count: number }[];
  state: RateState;
  /** The rule's live `rate` exception, if one is open or acknowledged. */
  live?: ExceptionRecord;
}

/** The minutes a readout covers (see domain/rates.ts rateSpans), and the rule's exception key. */
export interface RateReadoutInput {
  rule: string;
  dedupKey: string;
  historyFrom: number;
  windowFrom: number;
  to: number;
}

/**
 * One sweep's decision on a rate rule. Applied only if the rule's state is still `from` (a second
 * sweeper, or a sweep beside a restart, then changes nothing).
 */
export interface RateStep {
  rule: string;
  from: RateState;
  to: RateState;
  raise?: { facts: ExceptionFacts; routing: Routing; figures: RateFigures };
  /** The live exception's figures moved: stored, and its message redrawn. */
  update?: { dedupKey: string; figures: RateFigures; summary: string };
  resolve?: { dedupKey: string };
}

export type { FailureSample };

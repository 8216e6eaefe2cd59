import type { StoredEvent } from '../domain/event.js';

/**
 * What the use cases report for monitoring. A port: services say what happened; the metrics
 * adapter (http/metrics.ts) decides how it is counted. Every method is optional to call.
 */
export interface Observer {
  /** Events newly stored, each seen exactly once (by the detector's cursor). */
  eventsStored(events: readonly StoredEvent[]): void;
  /** An exception was acknowledged or resolved (by a person, or by the events) this long after it was first seen. */
  exceptionHandled(action: 'acknowledge' | 'resolve' | 'auto_resolve', sinceFirstSeenMs: number): void;
  digestRan(team: string, outcome: string): void;
  slackCallFailed(method: string, code: string): void;
  /** Failures (or stalls) noise.suppress held back, by the rule's reason. */
  failuresSuppressed(reason: string, count: number): void;
  /** A failure-rate rule breached and raised its `rate` exception. */
  rateExceptionRaised(rule: string): void;
}

export const NO_OBSERVER: Observer = {
  eventsStored: () => {},
  exceptionHandled: () => {},
  digestRan: () => {},
  slackCallFailed: () => {},
  failuresSuppressed: () => {},
  rateExceptionRaised: () => {},
};

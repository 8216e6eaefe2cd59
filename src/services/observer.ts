import type { StoredEvent } from '../domain/event.js';

/**
 * What the use cases report for monitoring. A port: services say what happened; the metrics
 * adapter (http/metrics.ts) decides how it is counted. Every method is optional to call.
 */
export interface Observer {
  /** Events newly stored, each seen exactly once (by the detector's cursor). */
  eventsStored(events: readonly StoredEvent[]): void;
  /** A person acknowledged or resolved an exception this long after it was first seen. */
  exceptionHandled(action: 'acknowledge' | 'resolve', sinceFirstSeenMs: number): void;
  digestRan(team: string, outcome: string): void;
  slackCallFailed(method: string, code: string): void;
}

export const NO_OBSERVER: Observer = {
  eventsStored: () => {},
  exceptionHandled: () => {},
  digestRan: () => {},
  slackCallFailed: () => {},
};

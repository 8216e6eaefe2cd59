import type { StoredEvent } from './event.js';

export interface TimelineEntry<E extends StoredEvent = StoredEvent> {
  event: E;
  /** Time since the previous event of the cart (by occurred_at); null for the first. */
  sincePreviousMs: number | null;
  /** For a step that ended (succeeded/failed): how long since that step started; null when no start was seen. */
  stepDurationMs: number | null;
  /** It arrived after an event of the same cart that occurred later than it. */
  late: boolean;
}

/**
 * Orders a cart's events by when they happened and annotates each. Lateness is judged by arrival
 * order (seq), so it holds whichever key the events came in under and whenever they were stitched.
 */
export function buildTimeline<E extends StoredEvent>(events: readonly E[]): TimelineEntry<E>[] {
  const late = lateEventSeqs(events);
  const ordered = [...events].sort((a, b) => a.occurredAt - b.occurredAt || a.seq - b.seq);
  const openSteps = new Map<string, number>();
  let previous: number | null = null;
  return ordered.map((event) => {
    const stepKey = `${event.stage}.${event.step}`;
    let stepDurationMs: number | null = null;
    if (event.status === 'started') {
      openSteps.set(stepKey, event.occurredAt);
    } else {
      const startedAt = openSteps.get(stepKey);
      if (startedAt !== undefined) stepDurationMs = event.occurredAt - startedAt;
      openSteps.delete(stepKey);
    }
    const entry: TimelineEntry<E> = {
      event,
      sincePreviousMs: previous === null ? null : event.occurredAt - previous,
      stepDurationMs,
      late: late.has(event.seq),
    };
    previous = event.occurredAt;
    return entry;
  });
}

function lateEventSeqs(events: readonly StoredEvent[]): Set<number> {
  const byArrival = [...events].sort((a, b) => a.seq - b.seq);
  const late = new Set<number>();
  let latestSeen = Number.NEGATIVE_INFINITY;
  for (const event of byArrival) {
    if (event.occurredAt < latestSeen) late.add(event.seq);
    latestSeen = Math.max(latestSeen, event.occurredAt);
  }
  return late;
}

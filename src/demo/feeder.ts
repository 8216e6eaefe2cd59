import { validateEvents } from '../ingest/event-schema.js';
import type { Logger } from '../logger.js';
import type { IngestService } from '../services/ingest.js';
import { demoEvents } from './stream.js';

/**
 * Feeds the demo stream into a running Cartwatch a few events at a time, as a shop would, through
 * the same validation and ingest as POST /events. Returns a function that stops it.
 */
export function feedDemo(deps: {
  ingest: IngestService;
  logger: Logger;
  now: number;
  carts?: number;
  /** Called once everything was fed (the sandbox posts a digest then, so one can be seen). */
  onDone?: () => void;
}): () => void {
  const events = demoEvents({ now: deps.now, carts: deps.carts ?? 24 });
  let next = 0;
  const timer = setInterval(() => {
    if (next >= events.length) {
      clearInterval(timer);
      deps.onDone?.();
      return;
    }
    const batch = validateEvents(events.slice(next, next + 4));
    next += 4;
    if (!batch.ok) {
      deps.logger.error('demo events are invalid:', JSON.stringify(batch.issues));
      clearInterval(timer);
      return;
    }
    deps.ingest
      .record(batch.events)
      .catch((error: unknown) => deps.logger.error('demo ingest failed:', error));
  }, 250);
  timer.unref();
  return () => clearInterval(timer);
}

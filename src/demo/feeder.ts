import { validateEvents } from '../ingest/event-schema.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { DigestOutcome } from '../services/digest.js';
import type { IngestService } from '../services/ingest.js';
import { DEMO_SOURCE_EVERY_MS } from './config.js';
import { demoEvents } from './stream.js';

const BATCH = 4;
/** After the stream, a few seconds for the last exceptions to be posted before the digests. */
const SETTLE_MS = 5_000;

/** The sandbox's digests after the demo: each team's, asked once through the digest service. */
export interface DemoDigests {
  run(team: string, options: { evenOnFirstDay: boolean }): Promise<DigestOutcome>;
  teams: readonly string[];
  /** Brings detection and the sweep up to now, so the digests count everything the demo raised. */
  settle(): Promise<void>;
  /** Real milliseconds from the stream's end; by default, until the demo's source has gone silent. */
  delayMs?: number;
}

export interface DemoFeed {
  /** Stops feeding (and the digests, if not yet asked) and waits for what is in flight. */
  stop(): Promise<void>;
}

/**
 * Feeds the demo stream into a running Cartwatch a few events at a time, as a shop would, through
 * the same validation and ingest as POST /events; then, given `digests`, asks for each team's digest
 * once everything the demo raises has been raised, so the digests tell of the demo.
 */
export function feedDemo(deps: {
  ingest: IngestService;
  logger: Logger;
  clock: Clock;
  carts?: number;
  intervalMs?: number;
  digests?: DemoDigests;
}): DemoFeed {
  const startedAt = deps.clock.now();
  const events = demoEvents({ now: startedAt, carts: deps.carts ?? 24 });
  const fed: Promise<unknown>[] = [];
  let next = 0;
  let stopped = false;
  let digestTimer: NodeJS.Timeout | undefined;
  let digesting: Promise<void> | undefined;

  const afterStream = async (digests: DemoDigests) => {
    await Promise.all(fed);
    if (stopped) return;
    // The demo's source goes silent twice its interval after its one run: the digests come after that.
    const silentBy = startedAt + 2 * DEMO_SOURCE_EVERY_MS + SETTLE_MS;
    const delayMs = digests.delayMs ?? Math.max(SETTLE_MS, silentBy - deps.clock.now());
    digestTimer = setTimeout(() => {
      digesting = askDigests(digests, deps.logger);
    }, delayMs);
    digestTimer.unref();
  };

  const timer = setInterval(() => {
    if (next >= events.length) {
      clearInterval(timer);
      if (deps.digests) void afterStream(deps.digests);
      return;
    }
    const batch = validateEvents(events.slice(next, next + BATCH));
    next += BATCH;
    if (!batch.ok) {
      deps.logger.error('demo events are invalid:', JSON.stringify(batch.issues));
      clearInterval(timer);
      return;
    }
    fed.push(
      deps.ingest
        .record(batch.events)
        .catch((error: unknown) => deps.logger.error('demo ingest failed:', error)),
    );
  }, deps.intervalMs ?? 250);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(digestTimer);
      await Promise.all(fed);
      await digesting;
    },
  };
}

async function askDigests(digests: DemoDigests, logger: Logger): Promise<void> {
  try {
    await digests.settle();
    for (const team of digests.teams) {
      // The demo fills the database's first day, whose digest is otherwise not posted.
      const outcome = await digests.run(team, { evenOnFirstDay: true });
      logger.info(`demo digest for ${team}: ${outcome}`);
    }
  } catch (error) {
    logger.error('demo digests failed:', error);
  }
}

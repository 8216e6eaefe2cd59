import { validateEvents } from '../ingest/event-schema.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/clock.js';
import type { DigestOutcome } from '../services/digest.js';
import type { IngestService } from '../services/ingest.js';
import type { Store } from '../store/store.js';
import { DEMO_SOURCE_EVERY_MS } from './config.js';
import { DEMO_LENGTH_MS, type DemoEvent, type DemoSnooze, demoScenario } from './stream.js';

/** How often the feeder looks for what is due. */
const TICK_MS = 250;
/** After the stream, a few seconds for the last exceptions to be posted before the digests. */
const SETTLE_MS = 5_000;

/** The sandbox's digests after the demo: each team's, asked once through the digest service. */
export interface DemoDigests {
  run(team: string, options: { evenOnFirstDay: boolean }): Promise<DigestOutcome>;
  teams: readonly string[];
  /** Real milliseconds from the stream's end; by default, until the demo's source has gone silent. */
  delayMs?: number;
}

export interface DemoFeed {
  /** Stops feeding (and the digests, if not yet asked) and waits for what is in flight. */
  stop(): Promise<void>;
}

/**
 * Plays the demo into a running Cartwatch as a shop would, through the same validation and ingest
 * as POST /events: each event when it is due (stamped then, minus its lag), over ten minutes of
 * real time, or `lengthMs` (tests play it faster). Anna's snooze goes to the store as her click
 * would. Then, given `digests`, each team's digest, once everything the demo raised is raised.
 */
export function feedDemo(deps: {
  ingest: IngestService;
  store: Store;
  logger: Logger;
  clock: Clock;
  /** Told after the demo changed an exception itself (the snooze), so the outbox sends it. */
  onChanges?: () => void;
  /**
   * Brings detection and the sweep up to now: before Anna acts (what she snoozes is raised by
   * then, however fast the demo plays) and before the digests (they count all the demo raised).
   */
  settle?: () => Promise<void>;
  carts?: number;
  lengthMs?: number;
  digests?: DemoDigests;
}): DemoFeed {
  const startedAt = deps.clock.now();
  const began = performance.now();
  const items = demoScenario({
    run: String(startedAt),
    ...(deps.carts !== undefined && { carts: deps.carts }),
  });
  const speed = DEMO_LENGTH_MS / (deps.lengthMs ?? DEMO_LENGTH_MS);
  const inFlight: Promise<unknown>[] = [];
  let next = 0;
  let stopped = false;
  let digestTimer: NodeJS.Timeout | undefined;
  let digesting: Promise<void> | undefined;

  const afterStream = async (digests: DemoDigests) => {
    await Promise.all(inFlight);
    if (stopped) return;
    // The demo's source goes silent twice its interval after its one run: the digests come after that.
    const silentBy = startedAt + 2 * DEMO_SOURCE_EVERY_MS + SETTLE_MS;
    const delayMs = digests.delayMs ?? Math.max(SETTLE_MS, silentBy - deps.clock.now());
    digestTimer = setTimeout(() => {
      digesting = askDigests(digests, deps);
    }, delayMs);
    digestTimer.unref();
  };

  const tick = () => {
    const elapsed = (performance.now() - began) * speed;
    let end = next;
    while (end < items.length && (items[end]?.atMs ?? Infinity) <= elapsed) end += 1;
    const due = items.slice(next, end);
    next = end;
    if (due.length > 0) inFlight.push(play(due, deps));
    if (next >= items.length) {
      clearInterval(timer);
      if (deps.digests) void afterStream(deps.digests);
    }
  };
  const timer = setInterval(tick, Math.max(1, Math.min(TICK_MS, TICK_MS / speed)));
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(digestTimer);
      await Promise.all(inFlight);
      await digesting;
    },
  };
}

/** Sends the due events as one batch (stamped now, minus their lag), then does what is due. */
async function play(
  due: (DemoEvent | DemoSnooze)[],
  deps: Pick<
    Parameters<typeof feedDemo>[0],
    'ingest' | 'store' | 'logger' | 'clock' | 'onChanges' | 'settle'
  >,
): Promise<void> {
  const now = deps.clock.now();
  const events = due.flatMap((item) =>
    'event' in item ? [{ ...item.event, occurred_at: new Date(now - item.lagMs).toISOString() }] : [],
  );
  try {
    if (events.length > 0) {
      const batch = validateEvents(events);
      if (!batch.ok) {
        deps.logger.error('demo events are invalid:', JSON.stringify(batch.issues));
        return;
      }
      await deps.ingest.record(batch.events);
    }
    for (const item of due) if ('snooze' in item) await snooze(item.snooze, deps);
  } catch (error) {
    deps.logger.error('demo feed failed:', error);
  }
}

/** Anna's snooze, as her click on Snooze… would record it, but for minutes so it ends within the demo. */
async function snooze(
  what: DemoSnooze['snooze'],
  deps: Pick<Parameters<typeof feedDemo>[0], 'store' | 'logger' | 'clock' | 'onChanges' | 'settle'>,
): Promise<void> {
  await deps.settle?.();
  const exceptions = await deps.store.exceptionsOfCart(what.cartId);
  const live = exceptions.find((e) => e.stage === what.stage && e.state !== 'resolved');
  if (live === undefined) {
    deps.logger.debug(`demo: nothing of ${what.cartId} to snooze yet`);
    return;
  }
  const now = deps.clock.now();
  await deps.store.snoozeException({
    exceptionId: live.id,
    revision: live.revision,
    actor: what.actor,
    until: now + what.forMs,
    at: now,
  });
  deps.onChanges?.();
}

async function askDigests(
  digests: DemoDigests,
  { logger, settle }: { logger: Logger; settle?: () => Promise<void> },
): Promise<void> {
  try {
    await settle?.();
    for (const team of digests.teams) {
      // The demo fills the database's first day, whose digest is otherwise not posted.
      const outcome = await digests.run(team, { evenOnFirstDay: true });
      logger.info(`demo digest for ${team}: ${outcome}`);
    }
  } catch (error) {
    logger.error('demo digests failed:', error);
  }
}

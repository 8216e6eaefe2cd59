import { DEFAULT_CONFIG } from '../../src/config.js';
import { type DuePolicy, NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { Stage } from '../../src/domain/event.js';
import { validateEvents } from '../../src/ingest/event-schema.js';
import { createLogger } from '../../src/logger.js';
import { Detector } from '../../src/services/detector.js';
import { NO_OBSERVER, type Observer } from '../../src/services/observer.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore, type StoreKind, type TestStore } from '../support/stores.js';

// Reports read what ingest, detection and people's actions wrote: a store driven through `Store` by
// the detector, as the running service drives it, on a clock the test moves.
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Thursday 2027-01-14 00:00 UTC: a fixed epoch, nothing depends on today. */
export const T0 = Date.UTC(2027, 0, 14);

export const POLICY: DuePolicy = {
  ...NO_DUE_POLICY,
  slaMs: { payment: 10 * MINUTE },
  expect: [
    {
      after: { stage: 'payment', step: 'authorize' },
      next: { stage: 'payment', step: 'capture' },
      withinMs: 15 * MINUTE,
    },
  ],
};

export interface ReportWorld {
  store: Store;
  test: TestStore;
  /** The clock detection and actions run on. */
  now: number;
  /** Records wire events received at `now`. */
  record(...wire: Record<string, unknown>[]): Promise<void>;
  /**
   * Runs detection (with that detector, by default a new one on this store) until everything recorded has
   * been detected. On Postgres the feed stops below the oldest transaction still running anywhere on
   * the server (another test's, say), so one pass may see nothing yet: it is run again until all is seen.
   */
  detect(using?: Detector): Promise<void>;
  /** A detector of its own on this (or another instance's) store, on the world's clock. */
  detectorOn(store: Store): Detector;
  /** The live exception of a cart (in that stage, when given). */
  exceptionOf(cartId: string, stage?: Stage): Promise<{ id: number; revision: number }>;
  act(cartId: string, action: 'acknowledge' | 'resolve', actor: string, stage?: Stage): Promise<void>;
  close(): Promise<void>;
}

export async function openReportWorld(
  kind: StoreKind,
  options: { now?: number; policy?: DuePolicy } = {},
): Promise<ReportWorld> {
  const test = await openTestStore(kind, {
    policy: options.policy ?? POLICY,
    now: options.now ?? T0 - 60 * DAY,
  });
  let recorded = 0;
  // Every event some detector of this world read and applied (or saw applied by another), by id.
  const detected = new Set<string>();
  const seen: Observer = {
    ...NO_OBSERVER,
    eventsStored: (events) => {
      for (const event of events) detected.add(event.id);
    },
  };
  const world: ReportWorld = {
    store: test.store,
    test,
    now: T0,
    async record(...wire) {
      const first = recorded;
      recorded += wire.length;
      const result = validateEvents(wire.map((w, i) => ({ id: `evt_${first + i + 1}`, ...w })));
      if (!result.ok) throw new Error(`invalid test events: ${JSON.stringify(result)}`);
      await test.store.recordEvents(result.events, { receivedAt: world.now });
    },
    async detect(detector = world.detectorOn(test.store)) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        await detector.catchUp();
        if (detected.size >= recorded) return;
        if (Date.now() > deadline) throw new Error(`detected ${detected.size} of ${recorded} events`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    detectorOn(store) {
      return new Detector({
        store,
        clock: { now: () => world.now },
        config: DEFAULT_CONFIG,
        logger: createLogger('error'),
        observer: seen,
      });
    },
    async exceptionOf(cartId, stage) {
      const [found] = (await test.store.exceptionsOfCart(cartId)).filter(
        (e) => e.state !== 'resolved' && (stage === undefined || e.stage === stage),
      );
      if (found === undefined) throw new Error(`no live exception of ${cartId}`);
      return found;
    },
    async act(cartId, action, actor, stage) {
      const { id, revision } = await world.exceptionOf(cartId, stage);
      const outcome = await test.store.applyAction({
        exceptionId: id,
        action,
        actor,
        revision,
        at: world.now,
      });
      if (!outcome.ok) throw new Error(`${action} of ${cartId} failed: ${outcome.reason}`);
    },
    close: () => test.close(),
  };
  return world;
}

/** A wire event at `ms` (epoch), defaults as test/support/events.ts. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

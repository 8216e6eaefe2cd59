import type { CartwatchConfig } from '../config.js';
import { signalsFor } from '../domain/detection.js';
import { routeException } from '../domain/routing.js';
import type { Logger } from '../logger.js';
import type { DetectionChange } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

const BATCH = 500;

/**
 * Follows the event log behind ingest: turns each new event's signals into exception changes and
 * applies them with the cursor in one transaction, so every event is detected exactly once, across
 * crashes, and ingest never waits for it.
 */
export class Detector {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      logger: Logger;
      /** Told after changes were committed, e.g. to send the outbox. */
      onChanges?: () => void;
    },
  ) {}

  start(pollMs = 1000): void {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs soon; calls while a run is under way fold into one more run. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.catchUp()
      .catch((error: unknown) => this.deps.logger.error('detection failed:', error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Processes every event not yet detected; resolves when caught up. */
  async catchUp(): Promise<void> {
    for (;;) {
      const processed = await this.runOnce();
      if (processed < BATCH) return;
    }
  }

  private async runOnce(): Promise<number> {
    const { store, config, clock } = this.deps;
    const cursor = await store.detectionCursor();
    const events = await store.eventsAfter(cursor, BATCH);
    const last = events[events.length - 1];
    if (last === undefined) return 0;
    const changes: DetectionChange[] = events.flatMap((event) =>
      signalsFor(event).map((signal): DetectionChange => {
        if (signal.type === 'resolve') return signal;
        const routing = routeException(signal.facts, {
          routes: config.routes,
          teams: config.teams,
          ...(signal.owner !== undefined && { owner: signal.owner }),
        });
        return { type: 'raise', facts: signal.facts, routing, at: signal.at };
      }),
    );
    const outcome = await store.applyDetection({ cursor: last.seq, changes, now: clock.now() });
    if (outcome.opened + outcome.repeated + outcome.resolved > 0) this.deps.onChanges?.();
    return events.length;
  }
}

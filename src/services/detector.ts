import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CartwatchConfig } from '../config.js';
import { type Signal, signalsFor } from '../domain/detection.js';
import type { StoredEvent } from '../domain/event.js';
import { tallyRates } from '../domain/rates.js';
import { tallySteps } from '../domain/rollups.js';
import { routeException } from '../domain/routing.js';
import { countByReason, type Suppressed, suppressedFailure, suppressionOf } from '../domain/suppression.js';
import type { Logger } from '../logger.js';
import type { DetectionChange, DetectionRollup } from '../store/exception-types.js';
import type { DetectionCursor, Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Observer } from './observer.js';
import { type StagePass, StageTracker } from './stage-tracker.js';
import { StepOwners } from './step-owners.js';

/** Events per detection round when keeping up; each full page doubles the next, up to MAX_PAGE. */
const FIRST_PAGE = 500;
/**
 * Behind a burst of batches, a round's fixed costs (a transaction and its commit, shared with
 * ingest's writes) would otherwise set how fast detection catches up.
 */
const MAX_PAGE = 8_000;
const GATHER_MS = 25;
/** How soon to look again when committed events wait behind a transaction still running. */
const BEHIND_RETRY_MS = 50;

/**
 * Follows the event log behind ingest: turns each new event's signals into exception changes and
 * applies them with the cursor in one transaction, so every event is detected exactly once, across
 * crashes, and ingest never waits for it.
 */
export class Detector {
  private queue: Promise<void> = Promise.resolve();
  private queued = false;
  private soon: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stepOwners: StepOwners;
  private readonly stages: StageTracker;
  /** Where this detector left the cursor: found elsewhere, another one applied batches meanwhile. */
  private leftCursorAt: DetectionCursor | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      logger: Logger;
      /** Told after changes were committed, e.g. to send the outbox. */
      onChanges?: () => void;
      observer?: Observer;
    },
  ) {
    this.stages = new StageTracker(deps.store);
    this.stepOwners = new StepOwners(deps.config);
  }

  start(pollMs = 1000): void {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    clearTimeout(this.retry);
    await this.queue;
  }

  /**
   * Asks for a run shortly: under a stream of small commits this gathers them into one detection
   * batch instead of a round trip per commit, for a few tens of milliseconds of latency.
   */
  wake(): void {
    // Requests still finishing during shutdown wake it too: their events wait for the next start.
    if (this.stopped || this.soon !== undefined) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.catchUp();
    }, GATHER_MS);
  }

  /**
   * Processes every event not yet detected. Runs one at a time: a call while one runs queues one
   * more run (which sees everything that arrived), and further calls share that queued run.
   */
  catchUp(): Promise<void> {
    if (this.queued) return this.queue;
    this.queued = true;
    this.queue = this.queue
      .then(async () => {
        this.queued = false;
        // A full page: there may be more, so the next one is larger.
        let page = FIRST_PAGE;
        // Stopping ends the catch-up after the page at hand: the rest waits for the next start.
        while ((await this.runOnce(page)) === page && !this.stopped) {
          page = Math.min(page * 2, MAX_PAGE);
          // SQLite's reads and writes are synchronous: without this a long backlog would hold the
          // server (HTTP, Slack's acks, a stop) until every page of it was done.
          await nextTurn();
        }
      })
      .catch((error: unknown) => this.deps.logger.error('detection failed:', error));
    return this.queue;
  }

  private retrySoon(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.wake(), BEHIND_RETRY_MS);
    this.retry.unref();
  }

  /** Watched sources in this batch, once each: their silence, if any, is over. */
  private sourcesHeardFrom(events: readonly StoredEvent[]): DetectionChange[] {
    const latest = new Map<string, number>();
    for (const event of events) {
      if (event.source in this.deps.config.sources) latest.set(event.source, event.receivedAt);
    }
    return [...latest].map(([source, at]) => ({ type: 'source_seen', source, at }));
  }

  private route(signal: Extract<Signal, { type: 'raise' }>) {
    const { routes, teams } = this.deps.config;
    return routeException(signal.facts, {
      routes,
      teams,
      ...(signal.owner !== undefined && { owner: signal.owner }),
    });
  }

  /** Each event's signals as changes to apply; failures that noise.suppress holds back are set apart. */
  private changesOf(events: readonly StoredEvent[]): {
    changes: DetectionChange[];
    suppressed: Suppressed[];
  } {
    const changes: DetectionChange[] = [];
    const suppressed: Suppressed[] = [];
    // Progress only ends SLA stalls (which detection never raises), so once per cart, its latest, will do.
    const progress = new Map<string, number>();
    for (const event of events) {
      for (const signal of signalsFor(event)) {
        if (signal.type === 'progress')
          progress.set(signal.cartId, Math.max(signal.at, progress.get(signal.cartId) ?? 0));
        else if (signal.type === 'resolve') changes.push(signal);
        else {
          const routing = this.route(signal);
          const rule = suppressionOf(this.deps.config.noise.suppress, signal.facts, routing.team);
          if (rule) suppressed.push(suppressedFailure(event, routing.team, rule));
          else changes.push({ type: 'raise', facts: signal.facts, routing, at: signal.at });
        }
      }
    }
    for (const [cartId, at] of progress) changes.push({ type: 'progress', cartId, at });
    changes.push(...this.sourcesHeardFrom(events));
    return { changes, suppressed };
  }

  /** What the batch adds to trends' hourly roll-ups. */
  private rollupOf(
    events: readonly StoredEvent[],
    suppressed: readonly Suppressed[],
    stages: StagePass,
  ): DetectionRollup {
    const held = new Set(suppressed.flatMap((s) => (s.seq === undefined ? [] : [s.seq])));
    const steps = tallySteps(events, { teamOf: (event) => this.stepOwners.teamOf(event), suppressed: held });
    return { steps, moved: stages.moved, times: stages.times };
  }

  private async runOnce(page: number): Promise<number> {
    const { store, clock } = this.deps;
    const cursor = await store.detectionCursor();
    if (cursor !== this.leftCursorAt) this.stages.forget();
    const { events, next, behind } = await store.eventsAfter(cursor, page);
    // Held behind a transaction still running: their wake-up has come and gone, so look again soon.
    if (behind) this.retrySoon();
    if (events.length === 0) return 0;
    const { changes, suppressed } = this.changesOf(events);
    const stages = await this.stages.pass(events);
    const outcome = await store.applyDetection({
      from: cursor,
      cursor: next,
      changes,
      now: clock.now(),
      suppressed,
      rateTallies: tallyRates(events, this.deps.config.noise.rates),
      rollup: this.rollupOf(events, suppressed, stages),
    });
    // Had another detector applied this range first, the cursor check of the next run forgets it.
    this.stages.remember(stages);
    this.leftCursorAt = next;
    this.deps.observer?.eventsStored(events);
    // Counted only when this run's batch was the one applied (another run may have got there first).
    if ((outcome.suppressed ?? 0) > 0) {
      for (const { reason, count } of countByReason(suppressed))
        this.deps.observer?.failuresSuppressed(reason, count);
    }
    for (const ms of outcome.resolvedAfterMs) this.deps.observer?.exceptionHandled('auto_resolve', ms);
    if (outcome.opened + outcome.repeated + outcome.resolved > 0) this.deps.onChanges?.();
    return events.length;
  }
}

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CartwatchConfig } from '../config.js';
import { expectRuleKey } from '../domain/due-policy.js';
import type { Stage } from '../domain/event.js';
import type { ExceptionFacts } from '../domain/exception.js';
import { minuteOf } from '../domain/rates.js';
import { routeException } from '../domain/routing.js';
import { countByReason, suppressionOf } from '../domain/suppression.js';
import {
  backlogVerdict,
  missingStepFacts,
  silentSourceVerdict,
  stallFacts,
  type Verdict,
} from '../domain/sweep-rules.js';
import type { Logger } from '../logger.js';
import type { DueWork, SweepBatch, SweepOutcome } from '../store/exception-types.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import { MaintenanceWatch } from './maintenance-watch.js';
import type { Observer } from './observer.js';
import { RateWatch } from './rate-watch.js';

const LIMIT = 500;
const MAX_PAGES = 20;

/**
 * The due-time sweep: stalls (SLA and expect rules), backlogs, silent sources, escalations and
 * reminders. It reads only what is due through indexes, so an idle sweep costs nothing however
 * many carts are stored; applying what it found is idempotent, so a repeat or restart acts once.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** The latest sweep asked for, settled either way: the next one waits for it. */
  private lastSweep: Promise<unknown> = Promise.resolve();
  private readonly watchingSince: number;
  private readonly rates: RateWatch;
  private readonly maintenance: MaintenanceWatch;

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      config: CartwatchConfig;
      logger: Logger;
      onChanges?: () => void;
      observer?: Observer;
    },
  ) {
    this.watchingSince = deps.clock.now();
    this.rates = new RateWatch({ store: deps.store, config: deps.config });
    this.maintenance = new MaintenanceWatch({ store: deps.store, config: deps.config });
  }

  /**
   * Every 15 s by default, so a stall is raised well within a minute of its deadline; and once at
   * start, so what fell due while Cartwatch was down is raised at once.
   */
  start(intervalMs = 15_000): void {
    const sweep = () => {
      if (this.running) return;
      this.running = this.sweepNow()
        .catch((error: unknown) => this.deps.logger.error('sweep failed:', error))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(sweep, intervalMs);
    this.timer.unref();
    sweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.lastSweep;
  }

  /**
   * Maintenance windows opened, snoozes and silences that ran out (or were ended) settled: their
   * ends told, what they held back posted. Each sweep does this first; an early end, at once.
   */
  settleNoise(): Promise<number> {
    return this.maintenance.settle(this.deps.clock.now());
  }

  /**
   * One sweep, after any sweep under way: the timer's, the one at start, or another caller's. So a
   * caller that awaits it knows every sweep asked for before has finished.
   */
  sweepNow(): Promise<SweepOutcome> {
    const sweep = this.lastSweep.then(() => this.sweepOnce());
    this.lastSweep = sweep.catch(() => {});
    return sweep;
  }

  private async sweepOnce(): Promise<SweepOutcome> {
    const total: SweepOutcome = { opened: 0, resolved: 0, resolvedAfterMs: [], escalated: 0, reminded: 0 };
    // First, so a snooze or silence that ran out is over before escalations and raises are judged.
    const settled = await this.settleNoise();
    // Bounded: a sweep that finds a full page keeps going, but never forever.
    for (let page = 0; page < MAX_PAGES; page++) {
      const first = page === 0;
      const now = this.deps.clock.now();
      const due = await this.deps.store.dueWork(now, LIMIT);
      const batch = this.batchFor(due, now);
      this.holdBackSuppressed(batch);
      // Backlogs, silent sources and rate rules are judged once per sweep, not once per page of due work.
      if (first) {
        await this.addStandingChecks(batch, now);
        batch.rates = await this.rates.steps(now);
      }
      await this.maintenance.holdBack(batch);
      const outcome = await this.deps.store.applySweep(batch);
      this.observeNoise(outcome);
      total.opened += outcome.opened;
      total.resolved += outcome.resolved;
      total.resolvedAfterMs.push(...outcome.resolvedAfterMs);
      total.escalated += outcome.escalated;
      total.reminded += outcome.reminded;
      const full = [due.stalls, due.expectations, due.escalations, due.reminders].some(
        (list) => list.length === LIMIT,
      );
      if (!full) break;
      // The next page waits a turn: on SQLite each is synchronous, and HTTP and Slack go first.
      await nextTurn();
    }
    for (const ms of total.resolvedAfterMs) this.deps.observer?.exceptionHandled('auto_resolve', ms);
    if (settled + total.opened + total.resolved + total.escalated + total.reminded > 0)
      this.deps.onChanges?.();
    return total;
  }

  /** Stalls that noise.suppress holds back are claimed and counted instead of raised. */
  private holdBackSuppressed(batch: SweepBatch): void {
    const { suppress } = this.deps.config.noise;
    if (suppress.length === 0) return;
    batch.raises = batch.raises.filter((raise) => {
      const rule = suppressionOf(suppress, raise.facts, raise.routing.team);
      if (rule === undefined) return true;
      const item = {
        team: raise.routing.team,
        reason: rule.reason,
        minute: minuteOf(raise.at),
        claim: raise.claim,
      };
      batch.suppressed = [...(batch.suppressed ?? []), item];
      return false;
    });
  }

  private observeNoise(outcome: SweepOutcome): void {
    for (const rule of outcome.raisedRates ?? []) this.deps.observer?.rateExceptionRaised(rule);
    for (const { reason, count } of countByReason((outcome.suppressed ?? []).map((reason) => ({ reason }))))
      this.deps.observer?.failuresSuppressed(reason, count);
  }

  private batchFor(due: DueWork, now: number): SweepBatch {
    const { config } = this.deps;
    const batch: SweepBatch = { now, raises: [], resolves: [], escalations: [], reminders: [], drops: [] };
    if (config.escalation.channel !== undefined) batch.escalationChannel = config.escalation.channel;
    for (const stall of due.stalls) {
      const claim = { type: 'stall' as const, cartId: stall.cartId, dueAt: stall.dueAt };
      batch.raises.push({ ...this.routed(stallFacts(stall)), at: stall.dueAt, claim });
    }
    for (const expectation of due.expectations) {
      const claim = {
        type: 'expect' as const,
        cartId: expectation.cartId,
        rule: expectation.rule,
        dueAt: expectation.dueAt,
      };
      const rule = config.expect.find((r) => expectRuleKey(r) === expectation.rule);
      if (rule === undefined) {
        // Armed under a rule since removed from the config: dropped, so it is not read again.
        batch.drops.push(claim);
        continue;
      }
      batch.raises.push({
        ...this.routed(missingStepFacts(expectation, rule)),
        at: expectation.dueAt,
        claim,
      });
    }
    for (const exception of due.escalations) {
      if (exception.escalateAt === undefined) continue;
      const mention = config.teams[exception.team]?.mention;
      batch.escalations.push({
        id: exception.id,
        escalateAt: exception.escalateAt,
        ...(mention && { mention }),
      });
    }
    for (const exception of due.reminders) {
      if (exception.remindAt !== undefined)
        batch.reminders.push({ id: exception.id, remindAt: exception.remindAt });
    }
    return batch;
  }

  private async addStandingChecks(batch: SweepBatch, now: number): Promise<void> {
    const { config, store } = this.deps;
    const verdicts: Verdict[] = [];
    for (const [stage, rule] of Object.entries(config.backlog) as [
      Stage,
      NonNullable<CartwatchConfig['backlog'][Stage]>,
    ][]) {
      verdicts.push(backlogVerdict(stage, rule, await store.backlogOf(stage), now));
    }
    const activity = await store.sourceActivity();
    for (const [source, { everyMs }] of Object.entries(config.sources)) {
      const heard = activity.get(source);
      const seen = {
        watchingSince: this.watchingSince,
        ...(heard?.lastSeenAt !== undefined && { lastSeenAt: heard.lastSeenAt }),
        ...(heard?.stage && { stage: heard.stage }),
      };
      const verdict = silentSourceVerdict(source, everyMs, seen, now);
      if (verdict) verdicts.push(verdict);
    }
    for (const verdict of verdicts) {
      if (verdict.type === 'resolve') batch.resolves.push({ dedupKey: verdict.dedupKey });
      else batch.raises.push({ ...this.routed(verdict.facts), at: now, claim: { type: 'once' } });
    }
  }

  private routed(facts: ExceptionFacts) {
    const routing = routeException(facts, { routes: this.deps.config.routes, teams: this.deps.config.teams });
    return { facts, routing };
  }
}

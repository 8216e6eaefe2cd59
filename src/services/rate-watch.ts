import type { CartwatchConfig } from '../config.js';
import type { RateRule } from '../domain/noise.js';
import {
  figuresWorthUpdating,
  judgeRate,
  rateDedupKey,
  rateFacts,
  rateFigures,
  rateSpans,
  rateSummary,
  sameRateState,
  UPDATE_EVERY_MS,
} from '../domain/rates.js';
import { routeException } from '../domain/routing.js';
import type { RateStep } from '../store/noise-types.js';
import type { Store } from '../store/store.js';

/**
 * The sweep's look at each failure-rate rule: reads the rule's counts, lets the domain judge them,
 * and says what moved (a breach raised, figures updated, a calm rule resolved). Failures are read
 * back only for a breached rule's message, and not more than once a minute.
 */
export class RateWatch {
  constructor(private readonly deps: { store: Store; config: CartwatchConfig }) {}

  async steps(now: number): Promise<RateStep[]> {
    const steps: RateStep[] = [];
    for (const rule of this.deps.config.noise.rates) {
      const step = await this.judge(rule, now);
      if (step !== undefined) steps.push(step);
    }
    return steps;
  }

  private async judge(rule: RateRule, now: number): Promise<RateStep | undefined> {
    const { store, config } = this.deps;
    const spans = rateSpans(rule, now);
    const dedupKey = rateDedupKey(rule);
    const readout = await store.rateReadout({ rule: rule.name, dedupKey, ...spans });
    const verdict = judgeRate(rule, readout.state, readout, now);
    const step: RateStep = { rule: rule.name, from: readout.state, to: verdict.next };
    const live = readout.live;
    const due = verdict.action === 'raise' || verdict.action === 'resolve';
    if (due || (verdict.action === 'update' && live && now - live.lastSeenAt >= UPDATE_EVERY_MS)) {
      const failures = await store.failuresSince(spans.windowFrom);
      const figures = rateFigures(rule, verdict.evaluation, { topCodes: readout.topCodes, failures });
      if (verdict.action === 'raise') {
        const facts = rateFacts(rule, figures, failures);
        step.raise = { facts, routing: routeException(facts, config), figures };
      } else if (
        live &&
        (verdict.action === 'resolve' ||
          figuresWorthUpdating(
            { updatedAt: live.lastSeenAt, ...(live.rate && { figures: live.rate }) },
            figures,
            now,
          ))
      ) {
        // A resolved rule's message keeps the figures it settled on.
        step.update = { dedupKey, figures, summary: rateSummary(figures) };
      }
      if (verdict.action === 'resolve') step.resolve = { dedupKey };
    }
    const moved = !sameRateState(readout.state, verdict.next);
    return moved || step.raise || step.update || step.resolve ? step : undefined;
  }
}

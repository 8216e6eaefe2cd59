import type { CartwatchConfig } from '../config.js';
import type { RateStanding } from '../domain/digest.js';
import { evaluateRate, rateDedupKey, rateFacts, rateFigures, rateSpans } from '../domain/rates.js';
import { routeException } from '../domain/routing.js';
import type { Store } from '../store/store.js';

/**
 * What a team's digest tells of noise: the failures held back in its window by reason, and where
 * each failure-rate rule routed to the team stands now.
 */
export async function noiseFacts(
  deps: { store: Store; config: CartwatchConfig },
  team: string,
  window: { from: number; to: number },
): Promise<{ suppressed: { reason: string; count: number }[]; rates: RateStanding[] }> {
  const { store, config } = deps;
  const rates: RateStanding[] = [];
  for (const rule of config.noise.rates) {
    const spans = rateSpans(rule, window.to);
    const readout = await store.rateReadout({ rule: rule.name, dedupKey: rateDedupKey(rule), ...spans });
    const evaluation = evaluateRate(rule, readout);
    // Routed as its exception would be, so each rule shows in its owner's digest only.
    const facts = rateFacts(rule, rateFigures(rule, evaluation, { topCodes: [], failures: [] }), []);
    if (routeException(facts, config).team !== team) continue;
    rates.push({
      rule: rule.name,
      rate: evaluation.rate,
      attempts: evaluation.window.attempts,
      threshold: evaluation.threshold,
      ...(readout.state.breachedAt !== undefined && { breachedAt: readout.state.breachedAt }),
    });
  }
  return { suppressed: await store.suppressedCounts(team, window.from, window.to), rates };
}

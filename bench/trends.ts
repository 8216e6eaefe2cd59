import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../src/config.js';
import { validateEvents } from '../src/ingest/event-schema.js';
import { createLogger } from '../src/logger.js';
import { Detector } from '../src/services/detector.js';
import { TrendService } from '../src/services/trends.js';
import { renderTrends } from '../src/slack/blocks/status/trends.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewEvent } from '../src/store/store.js';
import { type Figure, percentile, STEPS } from './status.js';

const DAY = 86_400_000;
const DECLINES = ['card_declined', 'insufficient_funds', 'expired_card'];
const OPERATIONAL = ['processing_error', 'api_error', 'timeout', 'rate_limited'];

/**
 * `total` events spread over the 28 days before `now`, carts through ten steps seconds to an hour
 * apart, as a busy shop sees them: about 8% of authorizations declined by the card's issuer
 * (suppressed by the built-in noise rules, counted all the same) and a few operational failures at
 * every step, twice as many in the last week as before (a trend to find), each raised. A cart that
 * failed stops there.
 */
export function monthOfEvents(total: number, now: number): NewEvent[][] {
  const wire: Record<string, unknown>[] = [];
  const carts = Math.ceil(total / 9);
  for (let c = 0; wire.length < total; c++) {
    const start = now - 28 * DAY + Math.floor(((c % carts) / carts) * (28 * DAY - 6 * 3_600_000));
    const lastWeek = start > now - 7 * DAY;
    let at = start;
    for (const [i, [stage, step]] of STEPS.entries()) {
      if (wire.length === total) break;
      at += 30_000 + ((c * 7919 + i * 104_729) % (stage === 'fulfillment' ? 3_600_000 : 600_000));
      const roll = (c * 7 + i * 131) % 1000;
      const declined = stage === 'payment' && step === 'authorize' && roll < 80;
      const broken = !declined && roll >= 997 - (lastWeek ? 6 : 3);
      const code = declined ? DECLINES[c % DECLINES.length] : OPERATIONAL[c % OPERATIONAL.length];
      wire.push({
        id: `trend_${c}_${i}`,
        cart_id: `cart_${c}`,
        stage,
        step,
        status: declined || broken ? 'failed' : 'succeeded',
        occurred_at: new Date(at).toISOString(),
        source: 'bench',
        amount: { value: 1000 + (c % 9000), currency: 'USD' },
        ...((declined || broken) && { error: { code, message: 'bench failure' } }),
      });
      if (declined || broken) break;
    }
  }
  const batches: NewEvent[][] = [];
  for (let i = 0; i < wire.length; i += 1000) {
    const result = validateEvents(wire.slice(i, i + 1000));
    if (!result.ok) throw new Error('bench events are invalid');
    batches.push(result.events);
  }
  return batches;
}

/**
 * Builds 28 days of history through the store's ingest and the detector (which keeps the hourly
 * roll-ups), then times /cart-status trends (built and rendered) on it: the last 7 days, and 28.
 */
export async function measureTrends(events: number): Promise<Figure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cartwatch-bench-trends-'));
  const now = Date.now();
  // Made before the month it holds, as a store that watched it would be.
  const store = SqliteStore.open(path.join(dir, 'trends.db'), undefined, { now: now - 30 * DAY });
  const clock = { now: () => now };
  const config = DEFAULT_CONFIG;
  try {
    for (const batch of monthOfEvents(events, now)) await store.recordEvents(batch, { receivedAt: now });
    await new Detector({ store, clock, config, logger: createLogger('error') }).catchUp();
    const trends = new TrendService({ store, clock, config });
    const time = async (days: number, runs: number) => {
      const ms: number[] = [];
      let facts = await trends.lastDays(days);
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        facts = await trends.lastDays(days);
        renderTrends(facts);
        ms.push(performance.now() - t);
      }
      return { p95: percentile(ms, 95), facts };
    };
    const week = await time(7, 20);
    const month = await time(28, 20);
    if (week.facts.steps.length === 0)
      throw new Error('the bench month has no steps: the figure would mean nothing');
    return [
      { name: 'status.trends.events', value: events, unit: 'events' },
      { name: 'status.trends.ms', value: week.p95, unit: 'ms' },
      { name: 'status.trends.exceptions', value: week.facts.exceptions.opened.now, unit: 'exceptions' },
      {
        name: 'status.trends.worse',
        value: week.facts.steps.filter((s) => s.trend === 'worse').length,
        unit: 'steps',
      },
      { name: 'status.trends.days28.ms', value: month.p95, unit: 'ms' },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

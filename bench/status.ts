import { DEFAULT_CONFIG } from '../src/config.js';
import { NO_DUE_POLICY } from '../src/domain/due-policy.js';
import { validateEvents } from '../src/ingest/event-schema.js';
import { createLogger } from '../src/logger.js';
import { CartStatusService } from '../src/services/cart-status.js';
import { Detector } from '../src/services/detector.js';
import { DigestService } from '../src/services/digest.js';
import { renderCartReport } from '../src/slack/blocks/status/cart-report.js';
import { renderOverview } from '../src/slack/blocks/status/overview.js';
import { openStore } from '../src/store/open-store.js';
import type { NewEvent } from '../src/store/store.js';
import type { BenchDatabases } from './databases.js';

/** A cart's steps, in order, shared by the benches that build a busy history. */
export const STEPS = [
  ['checkout', 'submit'],
  ['payment', 'authorize'],
  ['payment', 'capture'],
  ['order', 'create'],
  ['inventory', 'reserve'],
  ['fulfillment', 'pick'],
  ['fulfillment', 'pack'],
  ['fulfillment', 'ship'],
  ['post_purchase', 'deliver'],
  ['post_purchase', 'review'],
] as const;

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A busy day of `carts` carts, ten events each, 2% of payments declined; all within the last 24 hours. */
function dayOfEvents(carts: number, now: number): NewEvent[][] {
  const wire: Record<string, unknown>[] = [];
  for (let c = 0; c < carts; c++) {
    const start = now - 23 * 3_600_000 + Math.floor((c / carts) * 22 * 3_600_000);
    STEPS.forEach(([stage, step], i) => {
      const failed = stage === 'payment' && step === 'authorize' && c % 50 === 0;
      wire.push({
        id: `bench_${c}_${i}`,
        cart_id: `cart_${c}`,
        stage,
        step,
        status: failed ? 'failed' : 'succeeded',
        occurred_at: new Date(start + i * 60_000).toISOString(),
        source: 'bench',
        amount: { value: 1000 + (c % 9000), currency: 'USD' },
        // An operational error: customer declines are suppressed by the built-in noise rules.
        ...(failed && {
          error: { code: 'processing_error', message: 'An error occurred while processing.' },
        }),
      });
    });
  }
  const batches: NewEvent[][] = [];
  for (let i = 0; i < wire.length; i += 1000) {
    const result = validateEvents(wire.slice(i, i + 1000));
    if (!result.ok) throw new Error('bench events are invalid');
    batches.push(result.events);
  }
  return batches;
}

/** Builds a store of `carts` × 10 events, then times /cart-status, the overview and a digest. */
export async function measureStatus(carts: number, databases: BenchDatabases): Promise<Figure[]> {
  const database = await databases.fresh();
  const now = Date.now();
  const store = await openStore(database.target, NO_DUE_POLICY, { now });
  const clock = { now: () => now };
  const logger = createLogger('error');
  const config = DEFAULT_CONFIG;
  try {
    for (const batch of dayOfEvents(carts, now)) await store.recordEvents(batch, { receivedAt: now });
    await new Detector({ store, clock, config, logger }).catchUp();
    const status = new CartStatusService({ store, clock, config });

    const timeline: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = `cart_${Math.floor(Math.random() * carts)}`;
      const t = performance.now();
      const report = await status.cart(id);
      if (report) renderCartReport(id, report);
      timeline.push(performance.now() - t);
    }
    const overview: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      renderOverview(await status.overview(), now);
      overview.push(performance.now() - t);
    }
    const digestStart = performance.now();
    // A minute on, so the day's audit entries (all stamped `now`) fall inside the digest's window.
    const facts = await new DigestService({ store, clock, config }).factsFor('payments', now + 60_000);
    const digestMs = performance.now() - digestStart;
    if (facts.opened.now === 0)
      throw new Error('the bench day raised no exceptions: the digest figure would mean nothing');
    return [
      { name: 'status.events', value: carts * STEPS.length, unit: 'events' },
      { name: 'status.timeline.p99.ms', value: percentile(timeline, 99), unit: 'ms' },
      { name: 'status.overview.ms', value: percentile(overview, 95), unit: 'ms' },
      { name: 'digest.team.ms', value: digestMs, unit: 'ms' },
      { name: 'digest.team.opened', value: facts.opened.now, unit: 'exceptions' },
    ];
  } finally {
    await store.close();
    await database.drop();
  }
}

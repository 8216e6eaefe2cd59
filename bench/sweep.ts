import { type CartwatchConfig, DEFAULT_CONFIG } from '../src/config.js';
import type { DuePolicy } from '../src/domain/due-policy.js';
import { validateEvents } from '../src/ingest/event-schema.js';
import { createLogger } from '../src/logger.js';
import { Detector } from '../src/services/detector.js';
import { Sweeper } from '../src/services/sweeper.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import type { BenchDatabases } from './databases.js';
import type { Figure } from './status.js';

const SLA_MS = 24 * 3_600_000;
const STAGES = ['checkout', 'payment', 'fulfillment'] as const;

/**
 * `carts` carts part-way through checkout, payment or fulfillment, each with its SLA armed and
 * none near it, and the default backlog rule watching fulfillment: what a sweep costs when nothing
 * is due. SPEC: checks cost what is due, not what is stored.
 */
export async function measureIdleSweep(carts: number, databases: BenchDatabases): Promise<Figure[]> {
  const database = await databases.fresh();
  const now = Date.now();
  // SLAs long enough that nothing falls due while the bench runs.
  const config = { ...DEFAULT_CONFIG, slaMs: { checkout: SLA_MS, payment: SLA_MS, fulfillment: SLA_MS } };
  const policy = duePolicyOf(config);
  const store = await openStore(database.target, policy, { now });
  const stores: Store[] = [store];
  const clock = { now: () => now };
  const logger = createLogger('error');
  try {
    for (let c = 0; c < carts; c += 1000) {
      const wire = Array.from({ length: Math.min(1000, carts - c) }, (_, i) => ({
        id: `sweep_${c + i}`,
        cart_id: `cart_${c + i}`,
        stage: STAGES[(c + i) % STAGES.length],
        step: 'next',
        status: 'succeeded',
        occurred_at: new Date(now - 3_600_000).toISOString(),
        source: 'bench',
      }));
      const result = validateEvents(wire);
      if (!result.ok) throw new Error('bench events are invalid');
      await store.recordEvents(result.events, { receivedAt: now });
    }
    await new Detector({ store, clock, config, logger }).catchUp();
    const figures: Figure[] = [
      { name: 'sweep.open_carts', value: carts, unit: 'carts' },
      {
        name: 'sweep.idle.ms',
        value: await medianSweep([new Sweeper({ store, clock, config, logger })]),
        unit: 'ms',
      },
    ];
    if (databases.kind === 'postgres') {
      // A second instance on the same database, both sweeping at once, as a cluster does.
      const other = await openStore(database.target, policy, { now, instance: 'bench-2' });
      stores.push(other);
      const sweepers = [store, other].map((s) => new Sweeper({ store: s, clock, config, logger }));
      figures.push({ name: 'sweep.idle.two_instances.ms', value: await medianSweep(sweepers), unit: 'ms' });
    }
    return figures;
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await database.drop();
  }
}

/** The median, over seven rounds, of the time for these sweepers to sweep at once (nothing is due). */
async function medianSweep(sweepers: readonly Sweeper[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const outcomes = await Promise.all(sweepers.map((sweeper) => sweeper.sweepNow()));
    times.push(performance.now() - start);
    if (outcomes.some((outcome) => outcome.opened > 0))
      throw new Error('the idle sweep raised exceptions: nothing should be due');
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/**
 * An outage's storm of `members` failures, raised together and left alone until they all fall due
 * for escalation in one sweep: the storm escalates once, through one member, and the rest stand
 * down. What that sweep costs should grow with the members, not with their square.
 */
export async function measureStormEscalation(members: number, databases: BenchDatabases): Promise<Figure[]> {
  const database = await databases.fresh();
  const raisedAt = Date.now();
  const config = DEFAULT_CONFIG;
  const policy = duePolicyOf(config);
  const store = await openStore(database.target, policy, { now: raisedAt });
  const logger = createLogger('error');
  try {
    const routing = { team: 'payments', channel: 'C0PAYMENTS', reason: 'stage is payment' };
    for (let m = 0; m < members; m += 500) {
      const cursor = await store.detectionCursor();
      const changes = Array.from({ length: Math.min(500, members - m) }, (_, i) => ({
        type: 'raise' as const,
        facts: {
          kind: 'failed' as const,
          dedupKey: `failed:storm_${m + i}:payment.authorize`,
          cartId: `storm_${m + i}`,
          stage: 'payment' as const,
          step: 'authorize',
          errorCode: 'processing_error',
        },
        routing,
        at: raisedAt,
      }));
      await store.applyDetection({ from: cursor, cursor, now: raisedAt, changes });
    }
    const dueAt = raisedAt + config.escalation.afterMs + 1_000;
    const sweeper = new Sweeper({ store, clock: { now: () => dueAt }, config, logger });
    const start = performance.now();
    const outcome = await sweeper.sweepNow();
    const ms = performance.now() - start;
    if (outcome.escalated !== 1) throw new Error(`the storm escalated ${outcome.escalated} times, not once`);
    return [
      { name: 'sweep.storm_escalation.members', value: members, unit: 'exceptions' },
      { name: 'sweep.storm_escalation.ms', value: ms, unit: 'ms' },
    ];
  } finally {
    await store.close();
    await database.drop();
  }
}

/** The config's due times as the store applies them, with the product's storm grouping. */
function duePolicyOf(config: CartwatchConfig): DuePolicy {
  return {
    slaMs: config.slaMs,
    expect: config.expect,
    watchedSources: [],
    escalateAfterMs: config.escalation.afterMs,
    remindAfterMs: config.escalation.remindAcknowledgedAfterMs,
    grouping: { min: 5, windowMs: 300_000, waitMs: 10_000 },
  };
}

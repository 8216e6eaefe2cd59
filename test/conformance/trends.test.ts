import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { durationBucket } from '../../src/domain/rollups.js';
import { hourBounds, trendPeriod } from '../../src/domain/trends.js';
import type { WeeklyDigestFacts } from '../../src/domain/weekly.js';
import { createLogger } from '../../src/logger.js';
import { Sweeper } from '../../src/services/sweeper.js';
import type { TrendRollupInput } from '../../src/store/trend-types.js';
import { STORE_KINDS } from '../support/stores.js';
import { DAY, HOUR, iso, MINUTE, openReportWorld, type ReportWorld, T0 } from './report-world.js';

/** Two UTC days (Jan 12 and 13) against the two before (Jan 10 and 11); T0 is Jan 14, 00:00. */
const PERIOD = trendPeriod({ lastDate: '2027-01-13', count: 2, zone: 'UTC' });
const at = (date: string, time: string) => Date.parse(`${date}T${time}:00Z`);

function input(scope: Omit<TrendRollupInput, 'hours' | 'bounds'> = {}): TrendRollupInput {
  return { hours: hourBounds(PERIOD, { endIsNow: false }), bounds: PERIOD.bounds, ...scope };
}

function event(cart: string, stage: string, step: string, status: string, when: number, extra = {}) {
  return { cart_id: cart, stage, step, status, occurred_at: iso(when), source: 'shop', ...extra };
}

describe.each(STORE_KINDS)('%s store: trends', (kind) => {
  let world: ReportWorld;
  afterEach(async () => {
    await world?.close();
  });

  /**
   * Before (Jan 11): n goes checkout → payment in 10 minutes; p6's authorize times out.
   * Jan 12: p1 authorizes, p2 times out. Jan 13: p3 is declined (suppressed), p4 authorizes, p5
   * submits checkout, m goes checkout → payment in 4 minutes. Detection runs at T0.
   */
  async function twoWeeksOfShopping(): Promise<void> {
    world = await openReportWorld(kind);
    const timeout = { error: { code: 'gateway_timeout' } };
    await world.record(
      event('n', 'checkout', 'submit', 'succeeded', at('2027-01-11', '08:00')),
      event('n', 'payment', 'authorize', 'succeeded', at('2027-01-11', '08:10')),
      event('p6', 'payment', 'authorize', 'failed', at('2027-01-11', '12:00'), timeout),
      event('p1', 'payment', 'authorize', 'succeeded', at('2027-01-12', '10:00')),
      event('p2', 'payment', 'authorize', 'failed', at('2027-01-12', '10:30'), {
        ...timeout,
        amount: { value: 900, currency: 'USD' },
      }),
      event('p3', 'payment', 'authorize', 'failed', at('2027-01-13', '09:00'), {
        error: { code: 'card_declined' },
      }),
      event('p4', 'payment', 'authorize', 'succeeded', at('2027-01-13', '09:05')),
      event('p5', 'checkout', 'submit', 'succeeded', at('2027-01-13', '09:10')),
      event('m', 'checkout', 'submit', 'succeeded', at('2027-01-13', '08:00')),
      event('m', 'payment', 'authorize', 'succeeded', at('2027-01-13', '08:04')),
    );
    await world.detect();
  }

  it('when events are detected, then attempts, failures, suppressed failures and codes are summed per day, and the days before as one', async () => {
    await twoWeeksOfShopping();
    const rollup = await world.store.trendRollup(input());
    const step = (
      day: number,
      stage: string,
      step: string,
      attempts: number,
      failures = 0,
      suppressed = 0,
    ) => ({
      day,
      stage,
      step,
      attempts,
      failures,
      suppressed,
      stalls: 0,
    });
    expect(rollup.steps).toEqual([
      step(0, 'checkout', 'submit', 1),
      step(0, 'payment', 'authorize', 2, 1),
      step(1, 'payment', 'authorize', 2, 1),
      step(2, 'checkout', 'submit', 2),
      step(2, 'payment', 'authorize', 3, 1, 1),
    ]);
    expect(rollup.codes).toEqual([
      { period: 0, stage: 'payment', step: 'authorize', code: 'gateway_timeout', n: 1 },
      { period: 1, stage: 'payment', step: 'authorize', code: 'card_declined', n: 1 },
      { period: 1, stage: 'payment', step: 'authorize', code: 'gateway_timeout', n: 1 },
    ]);
    expect(rollup.stageTimes).toEqual([
      { period: 0, stage: 'checkout', bucket: durationBucket(10 * MINUTE), n: 1 },
      { period: 1, stage: 'checkout', bucket: durationBucket(4 * MINUTE), n: 1 },
    ]);
  });

  it("when a team, stage or step is named, then only those figures are summed; stage times are the shop's", async () => {
    await twoWeeksOfShopping();
    const payments = await world.store.trendRollup(input({ team: 'payments' }));
    expect(new Set(payments.steps.map((s) => s.stage))).toEqual(new Set(['payment']));
    expect(payments.stageTimes).toHaveLength(2);
    const ops = await world.store.trendRollup(input({ team: 'ops' }));
    expect(ops.steps.map((s) => [s.day, s.step, s.attempts])).toEqual([
      [0, 'submit', 1],
      [2, 'submit', 2],
    ]);
    expect(ops.codes).toEqual([]);
    expect(ops.exceptions).toEqual([]);
    const payment = await world.store.trendRollup(input({ stage: 'payment' }));
    expect(payment.steps).toEqual(payments.steps);
    expect(payment.stageTimes).toEqual([]);
    const capture = await world.store.trendRollup(input({ stage: 'payment', step: 'capture' }));
    expect(capture).toEqual({ steps: [], codes: [], stageTimes: [], exceptions: [] });
  });

  it('when exceptions were raised in either period, then the roll-up summarises them with their money, acknowledgement and resolution', async () => {
    await twoWeeksOfShopping();
    world.now = T0 + MINUTE;
    await world.act('p2', 'acknowledge', 'U1');
    world.now = T0 + 2 * MINUTE;
    await world.act('p6', 'resolve', 'U1');
    const { exceptions } = await world.store.trendRollup(input());
    expect(exceptions).toEqual([
      {
        firstSeenAt: at('2027-01-11', '12:00'),
        cartId: 'p6',
        resolvedAt: T0 + 2 * MINUTE,
        resolution: 'manual',
      },
      {
        firstSeenAt: at('2027-01-12', '10:30'),
        cartId: 'p2',
        amount: { value: 900, currency: 'USD' },
        acknowledgedAt: T0 + MINUTE,
      },
    ]);
    const later = trendPeriod({ lastDate: '2027-01-20', count: 2, zone: 'UTC' });
    expect(
      (await world.store.trendRollup({ hours: hourBounds(later, { endIsNow: false }), bounds: later.bounds }))
        .exceptions,
    ).toEqual([]);
  });

  it('when carts were seen, then their stage marks say where trends last saw each and since when', async () => {
    await twoWeeksOfShopping();
    const marks = await world.store.stageMarks(['m', 'n', 'p5', 'unknown']);
    expect(Object.fromEntries([...marks].sort(([a], [b]) => a.localeCompare(b)))).toEqual({
      m: { stage: 'payment', enteredAt: at('2027-01-13', '08:04') },
      n: { stage: 'payment', enteredAt: at('2027-01-11', '08:10') },
      p5: { stage: 'checkout', enteredAt: at('2027-01-13', '09:10') },
    });
    expect(await world.store.stageMarks([])).toEqual(new Map());
  });

  it("when a cart's events arrive over several detection runs, then each hand-off is timed once, from the stage's first event", async () => {
    world = await openReportWorld(kind);
    const day = '2027-01-13';
    for (const [step, stage, time] of [
      ['submit', 'checkout', '08:00'],
      ['review', 'checkout', '08:01'],
      ['authorize', 'payment', '08:04'],
      ['capture', 'payment', '08:05'],
      ['create', 'order', '08:14'],
    ] as const) {
      await world.record(event('c', stage, step, 'succeeded', at(day, time)));
      await world.detect();
    }
    expect((await world.store.trendRollup(input())).stageTimes).toEqual([
      { period: 1, stage: 'checkout', bucket: durationBucket(4 * MINUTE), n: 1 },
      { period: 1, stage: 'payment', bucket: durationBucket(10 * MINUTE), n: 1 },
    ]);
  });

  it('when two detectors on two instances take turns, then their memories of carts never count a hand-off twice or wrong', async () => {
    world = await openReportWorld(kind);
    const detectors = [world.store, await world.test.openAnother()].map((store) => world.detectorOn(store));
    for (let i = 0; i < 6; i++) {
      // Each cart advances one stage per round; the detectors alternate rounds.
      const stage = (['checkout', 'payment', 'order'] as const)[i % 3] ?? 'checkout';
      const round = Math.floor(i / 3);
      const when = at('2027-01-13', '08:00') + i * 10 * MINUTE;
      await world.record(
        event(`x${round}`, stage, 'step', 'succeeded', when),
        event(`y${round}`, stage, 'step', 'succeeded', when + MINUTE),
      );
      await world.detect(detectors[i % 2]);
    }
    expect((await world.store.trendRollup(input())).stageTimes).toEqual([
      { period: 1, stage: 'checkout', bucket: durationBucket(10 * MINUTE), n: 4 },
      { period: 1, stage: 'payment', bucket: durationBucket(10 * MINUTE), n: 4 },
    ]);
  });

  it('when a cart overstays its stage, then the stall is counted in the hour it fell due', async () => {
    world = await openReportWorld(kind);
    await world.record(event('s', 'payment', 'capture', 'started', at('2027-01-13', '09:00')));
    await world.detect();
    world.now = at('2027-01-13', '09:30');
    const sweeper = new Sweeper({
      store: world.store,
      clock: { now: () => world.now },
      config: DEFAULT_CONFIG,
      logger: createLogger('error'),
    });
    await sweeper.sweepNow();
    await sweeper.sweepNow();
    const stalls = (await world.store.trendRollup(input({ team: 'payments' }))).steps.filter(
      (s) => s.stalls > 0,
    );
    expect(stalls).toEqual([
      { day: 2, stage: 'payment', step: 'capture', attempts: 0, failures: 0, suppressed: 0, stalls: 1 },
    ]);
  });

  it('when retention prunes, then the hours before the cutoff and the stage marks of carts pruned go with it', async () => {
    await twoWeeksOfShopping();
    await world.store.pruneBefore(at('2027-01-12', '00:00'), { limit: 1000 });
    const rollup = await world.store.trendRollup(input());
    expect(rollup.steps.every((s) => s.day > 0)).toBe(true);
    expect(rollup.codes.map((c) => c.period)).toEqual([1, 1]);
    expect(rollup.stageTimes.map((t) => t.period)).toEqual([1]);
    const marks = await world.store.stageMarks(['m', 'n']);
    expect([...marks.keys()]).toEqual(['m']);
  });

  it('when a database is made, then trends count from that moment, by its opener’s clock', async () => {
    world = await openReportWorld(kind, { now: T0 - 7 * DAY });
    expect(await world.store.trendsSince()).toBe(T0 - 7 * DAY);
    const again = await world.test.openAnother();
    expect(await again.trendsSince()).toBe(T0 - 7 * DAY);
  });

  it("when a team's weekly digest is recorded, then it runs once per ISO week and its post is queued once", async () => {
    world = await openReportWorld(kind);
    const { store } = world;
    const facts = (week: string) => ({ team: 'payments', week }) as unknown as WeeklyDigestFacts;
    const run = { team: 'payments', channel: 'C0PAYMENTS', at: T0 };
    expect(await store.weeklyDigestRunOn('payments', '2027-W02')).toBeUndefined();
    expect(
      await store.recordWeeklyDigest({ ...run, isoWeek: '2027-W02', facts: facts('2027-W02'), post: true }),
    ).toBe(true);
    expect(
      await store.recordWeeklyDigest({
        ...run,
        isoWeek: '2027-W02',
        facts: facts('2027-W02'),
        at: T0 + HOUR,
        post: true,
      }),
    ).toBe(false);
    expect(
      await store.recordWeeklyDigest({ ...run, isoWeek: '2027-W01', facts: facts('2027-W01'), post: false }),
    ).toBe(true);
    expect(await store.weeklyDigestRunOn('payments', '2027-W02')).toEqual({ ranAt: T0, posted: true });
    expect(await store.weeklyDigestRunOn('payments', '2027-W01')).toEqual({ ranAt: T0, posted: false });
    expect(await store.weeklyDigestRunOn('ops', '2027-W02')).toBeUndefined();
    const jobs = await store.claimOutbox({ now: T0 + HOUR, limit: 20, leaseMs: MINUTE });
    expect(jobs.map((j) => [j.kind, j.channel])).toEqual([['weekly_digest', 'C0PAYMENTS']]);
  });
});

describe('postgres store: trends across instances', () => {
  let world: ReportWorld;
  afterEach(async () => {
    await world?.close();
  });

  it('when three instances detect at once while events arrive, then each event and each hand-off is counted once', async () => {
    world = await openReportWorld('postgres');
    const instances = [world.store, await world.test.openAnother(), await world.test.openAnother()];
    const detectors = instances.map((store) => world.detectorOn(store));
    const start = at('2027-01-13', '08:00');
    const cart = (batch: number, i: number) => `r${batch}_${i}`;
    // Each batch brings 20 carts to checkout and moves the previous batch's carts on to payment.
    for (let batch = 0; batch <= 5; batch++) {
      const when = start + batch * 10 * MINUTE;
      const events = [
        ...(batch < 5
          ? Array.from({ length: 20 }, (_, i) =>
              event(cart(batch, i), 'checkout', 'submit', 'succeeded', when),
            )
          : []),
        ...(batch > 0
          ? Array.from({ length: 20 }, (_, i) =>
              event(cart(batch - 1, i), 'payment', 'authorize', i % 2 === 0 ? 'succeeded' : 'failed', when, {
                error: { code: 'gateway_timeout' },
              }),
            )
          : []),
      ];
      await Promise.all([world.record(...events), ...detectors.map((d) => d.catchUp())]);
    }
    await Promise.all(detectors.map((d) => d.catchUp()));
    await world.detect();
    const rollup = await world.store.trendRollup(input());
    expect(rollup.steps).toEqual([
      { day: 2, stage: 'checkout', step: 'submit', attempts: 100, failures: 0, suppressed: 0, stalls: 0 },
      { day: 2, stage: 'payment', step: 'authorize', attempts: 100, failures: 50, suppressed: 0, stalls: 0 },
    ]);
    expect(rollup.codes).toEqual([
      { period: 1, stage: 'payment', step: 'authorize', code: 'gateway_timeout', n: 50 },
    ]);
    expect(rollup.stageTimes).toEqual([
      { period: 1, stage: 'checkout', bucket: durationBucket(10 * MINUTE), n: 100 },
    ]);
    const marks = await world.store.stageMarks(
      Array.from({ length: 100 }, (_, i) => cart(Math.floor(i / 20), i % 20)),
    );
    expect([...marks.values()].filter((m) => m.stage === 'payment')).toHaveLength(100);
  });

  it('when two instances sweep at once, then a stall is counted once', async () => {
    world = await openReportWorld('postgres');
    const other = await world.test.openAnother();
    await world.record(event('s', 'payment', 'capture', 'started', at('2027-01-13', '09:00')));
    await world.detect();
    world.now = at('2027-01-13', '09:30');
    const sweepers = [world.store, other].map(
      (store) =>
        new Sweeper({
          store,
          clock: { now: () => world.now },
          config: DEFAULT_CONFIG,
          logger: createLogger('error'),
        }),
    );
    await Promise.all(sweepers.map((s) => s.sweepNow()));
    const { steps } = await world.store.trendRollup(input({ stage: 'payment', step: 'capture' }));
    expect(steps.map((s) => s.stalls)).toEqual([1]);
  });
});

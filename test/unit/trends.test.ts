import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import {
  bucketRange,
  durationBucket,
  HOUR_MS,
  histogramMedian,
  passStages,
  stageVisits,
  tallySteps,
} from '../../src/domain/rollups.js';
import {
  durationTrend,
  failureTrend,
  hourBounds,
  sparkline,
  type TrendRollup,
  trendFacts,
  trendPeriod,
} from '../../src/domain/trends.js';
import { isoWeek, lastWeeklyDate, parseWeeklySchedule } from '../../src/domain/weekly.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

function event(overrides: Partial<StoredEvent>): StoredEvent {
  return {
    seq: 1,
    id: 'e',
    cartId: 'cart_1',
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    occurredAt: T0,
    receivedAt: T0,
    source: 'stripe',
    ...overrides,
  };
}

describe('trend words', () => {
  it('when a step fails twice as often on enough attempts, then it is worse; half as often, improving', () => {
    expect(failureTrend({ attempts: 1000, failures: 40 }, { attempts: 1000, failures: 20 })).toBe('worse');
    expect(failureTrend({ attempts: 1000, failures: 20 }, { attempts: 1000, failures: 40 })).toBe(
      'improving',
    );
  });

  it('when the difference could be chance, or is small, or the attempts are few, then it is steady', () => {
    // 3 of 60 against 1 of 60: three times the rate, but well within chance.
    expect(failureTrend({ attempts: 60, failures: 3 }, { attempts: 60, failures: 1 })).toBe('steady');
    // Clear of chance on a million attempts, but only 5% more: not worth a word.
    expect(
      failureTrend({ attempts: 1_000_000, failures: 21_000 }, { attempts: 1_000_000, failures: 20_000 }),
    ).toBe('steady');
    expect(failureTrend({ attempts: 10, failures: 9 }, { attempts: 10, failures: 0 })).toBe('steady');
    expect(failureTrend({ attempts: 500, failures: 0 }, { attempts: 500, failures: 0 })).toBe('steady');
  });

  it('when a step that never failed starts failing clearly, then it is worse', () => {
    expect(failureTrend({ attempts: 500, failures: 25 }, { attempts: 500, failures: 0 })).toBe('worse');
  });

  it('when carts take a quarter longer through a stage, then it is worse; with few carts, steady', () => {
    expect(durationTrend({ medianMs: 130_000, carts: 50 }, { medianMs: 100_000, carts: 50 })).toBe('worse');
    expect(durationTrend({ medianMs: 70_000, carts: 50 }, { medianMs: 100_000, carts: 50 })).toBe(
      'improving',
    );
    expect(durationTrend({ medianMs: 110_000, carts: 50 }, { medianMs: 100_000, carts: 50 })).toBe('steady');
    expect(durationTrend({ medianMs: 900_000, carts: 2 }, { medianMs: 100_000, carts: 50 })).toBe('steady');
    expect(durationTrend({ medianMs: null, carts: 0 }, { medianMs: 100_000, carts: 50 })).toBe('steady');
  });
});

describe('sparkline', () => {
  it('when rates vary over a week, then each day is a bar scaled to the worst day', () => {
    expect(sparkline([0.01, 0.02, 0.03, 0.05, 0.02, 0.01, 0.01])).toBe('▂▄▅█▄▂▂');
  });

  it('when a day had no attempts or no failures, then it shows · or the lowest bar', () => {
    expect(sparkline([null, 0, 0.1])).toBe('·▁█');
    expect(sparkline([0, 0, 0])).toBe('▁▁▁');
    // However small, a day with failures stands above one without.
    expect(sparkline([0, 0.001, 1])).toBe('▁▂█');
  });
});

describe('time through stages', () => {
  it('when durations are counted in buckets, then their median reads back within a tenth', () => {
    for (const ms of [1500, 42_000, 15 * MINUTE, 26 * HOUR_MS, 9 * 86_400_000]) {
      const [low, high] = bucketRange(durationBucket(ms));
      expect(ms).toBeGreaterThanOrEqual(low);
      expect(ms).toBeLessThan(high);
      expect(high / low).toBeLessThan(1.2);
    }
    const durations = [60_000, 90_000, 120_000, 150_000, 30 * MINUTE];
    const counts = new Map<number, number>();
    for (const ms of durations) counts.set(durationBucket(ms), (counts.get(durationBucket(ms)) ?? 0) + 1);
    const median = histogramMedian(counts) ?? 0;
    expect(Math.abs(median - 120_000) / 120_000).toBeLessThan(0.1);
    expect(histogramMedian([])).toBeUndefined();
  });

  it('when a cart moves from checkout to payment to order, then each stage is timed to its hand-off', () => {
    const { mark, passed } = passStages(undefined, [
      { stage: 'payment', at: T0 + 2 * MINUTE },
      { stage: 'checkout', at: T0 },
      { stage: 'order', at: T0 + 5 * MINUTE },
    ]);
    expect(passed).toEqual([
      { stage: 'checkout', ms: 2 * MINUTE, at: T0 + 2 * MINUTE },
      { stage: 'payment', ms: 3 * MINUTE, at: T0 + 5 * MINUTE },
    ]);
    expect(mark).toEqual({ stage: 'order', enteredAt: T0 + 5 * MINUTE });
  });

  it('when a late event of an earlier stage arrives, then nothing is timed twice or rewound', () => {
    const current = { stage: 'fulfillment' as const, enteredAt: T0 };
    expect(passStages(current, [{ stage: 'payment', at: T0 - HOUR_MS }])).toEqual({
      mark: current,
      passed: [],
      changed: false,
    });
    // An earlier event of the same stage moves its entry back.
    expect(passStages(current, [{ stage: 'fulfillment', at: T0 - MINUTE }]).mark).toEqual({
      stage: 'fulfillment',
      enteredAt: T0 - MINUTE,
    });
  });

  it("when a batch holds several carts' events, then each cart's stages are found at their first event", () => {
    const received = { receivedAt: T0 + HOUR_MS };
    const visits = stageVisits([
      event({ cartId: 'a', stage: 'checkout', occurredAt: T0 + MINUTE, ...received }),
      event({ cartId: 'a', stage: 'checkout', occurredAt: T0, ...received }),
      event({ cartId: 'a', stage: 'payment', occurredAt: T0 + 3 * MINUTE, ...received }),
      event({ cartId: undefined, sku: 'SKU-1', stage: 'catalog', ...received }),
    ]);
    expect(visits).toEqual([
      {
        cartId: 'a',
        visits: [
          { stage: 'checkout', at: T0 },
          { stage: 'payment', at: T0 + 3 * MINUTE },
        ],
      },
    ]);
  });
});

describe('step tallies', () => {
  it('when events are detected, then attempts, failures, suppressed failures and codes are summed per hour and team', () => {
    const tallies = tallySteps(
      [
        event({ seq: 1 }),
        event({ seq: 2, status: 'failed', error: { code: 'card_declined' } }),
        event({ seq: 3, status: 'failed', error: { code: 'processing_error' } }),
        event({ seq: 4, status: 'started' }),
        event({ seq: 5, status: 'failed', occurredAt: T0 + HOUR_MS, receivedAt: T0 + HOUR_MS }),
        // A producer whose clock runs ahead counts when it arrived.
        event({ seq: 6, occurredAt: T0 + 10 * HOUR_MS, receivedAt: T0 + 30 * MINUTE }),
      ],
      { teamOf: () => 'payments', suppressed: new Set([2]) },
    );
    expect(tallies).toEqual([
      {
        hour: T0,
        team: 'payments',
        stage: 'payment',
        step: 'authorize',
        attempts: 4,
        failures: 2,
        suppressed: 1,
        codes: { card_declined: 1, processing_error: 1 },
      },
      {
        hour: T0 + HOUR_MS,
        team: 'payments',
        stage: 'payment',
        step: 'authorize',
        attempts: 1,
        failures: 1,
        suppressed: 0,
        codes: { '': 1 },
      },
    ]);
  });
});

describe('periods', () => {
  it('when trends are asked for the last 7 days, then the days before are as many, each a local day', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    const period = trendPeriod({ lastDate: '2026-12-01', count: 7, zone: 'Europe/Berlin', end: now });
    expect(period.days).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
    expect(period.bounds).toHaveLength(15);
    expect(new Date(period.bounds[0] ?? 0).toISOString()).toBe('2026-11-17T23:00:00.000Z');
    expect(new Date(period.bounds[7] ?? 0).toISOString()).toBe('2026-11-24T23:00:00.000Z');
    expect(period.bounds[14]).toBe(now);
  });

  it("when a team's zone is 45 minutes off the hour, then each day takes the hours mostly in it", () => {
    // Chatham: UTC+13:45 in its summer. Local midnight of 2026-12-01 is 10:15 UTC the day before.
    const period = trendPeriod({ lastDate: '2026-12-01', count: 1, zone: 'Pacific/Chatham' });
    expect(new Date(period.bounds[1] ?? 0).toISOString()).toBe('2026-11-30T10:15:00.000Z');
    const hours = hourBounds(period, { endIsNow: false });
    expect(new Date(hours[1] ?? 0).toISOString()).toBe('2026-11-30T10:00:00.000Z');
    // "Now" takes its hour whole.
    expect(hourBounds({ ...period, bounds: [0, HOUR_MS, HOUR_MS + 1] }, { endIsNow: true })).toEqual([
      0,
      HOUR_MS,
      2 * HOUR_MS,
    ]);
  });

  it('when clocks change in the week, then its days are still whole local days', () => {
    // Berlin leaves summer time on 2026-10-25: that day has 25 hours.
    const period = trendPeriod({ lastDate: '2026-10-26', count: 2, zone: 'Europe/Berlin' });
    const [, , start25, start26, end] = period.bounds;
    expect(((start26 ?? 0) - (start25 ?? 0)) / HOUR_MS).toBe(25);
    expect(((end ?? 0) - (start26 ?? 0)) / HOUR_MS).toBe(24);
  });
});

describe('trend facts', () => {
  const period = trendPeriod({ lastDate: '2026-12-01', count: 2, zone: 'UTC' });
  const rollup: TrendRollup = {
    steps: [
      { day: 0, stage: 'payment', step: 'authorize', attempts: 2000, failures: 20, suppressed: 5, stalls: 1 },
      { day: 1, stage: 'payment', step: 'authorize', attempts: 1000, failures: 30, suppressed: 4, stalls: 2 },
      { day: 2, stage: 'payment', step: 'authorize', attempts: 1000, failures: 50, suppressed: 6, stalls: 0 },
      { day: 2, stage: 'checkout', step: 'submit', attempts: 10, failures: 0, suppressed: 0, stalls: 0 },
    ],
    codes: [
      { period: 1, stage: 'payment', step: 'authorize', code: 'processing_error', n: 70 },
      { period: 1, stage: 'payment', step: 'capture', code: 'processing_error', n: 3 },
      { period: 0, stage: 'payment', step: 'authorize', code: 'processing_error', n: 15 },
      { period: 1, stage: 'payment', step: 'authorize', code: 'api_error', n: 10 },
    ],
    stageTimes: [
      { period: 1, stage: 'fulfillment', bucket: durationBucket(2 * HOUR_MS), n: 10 },
      { period: 0, stage: 'fulfillment', bucket: durationBucket(HOUR_MS), n: 10 },
    ],
    exceptions: [
      {
        firstSeenAt: period.bounds[2] ?? 0,
        cartId: 'a',
        amount: { value: 500, currency: 'USD' },
        acknowledgedAt: (period.bounds[2] ?? 0) + 10 * MINUTE,
      },
      {
        firstSeenAt: period.bounds[2] ?? 0,
        cartId: 'a',
        amount: { value: 500, currency: 'USD' },
        resolvedAt: (period.bounds[2] ?? 0) + HOUR_MS,
        resolution: 'auto',
      },
      { firstSeenAt: period.bounds[0] ?? 0 },
    ],
  };

  it('when a week is summed, then each step is compared with the week before, day by day, with its trend', () => {
    const facts = trendFacts(rollup, period);
    expect(facts.steps.map((s) => `${s.stage}.${s.step}`)).toEqual(['checkout.submit', 'payment.authorize']);
    expect(facts.steps[1]).toMatchObject({
      attempts: { now: 2000, before: 2000 },
      failures: { now: 80, before: 20 },
      daily: [0.03, 0.05],
      suppressed: 10,
      stalls: { now: 2, before: 1 },
      trend: 'worse',
    });
    expect(facts.steps[0]?.daily).toEqual([null, 0]);
    expect(facts.stages).toEqual([
      expect.objectContaining({ stage: 'fulfillment', carts: { now: 10, before: 10 }, trend: 'worse' }),
    ]);
    expect(facts.errors).toEqual([
      { code: 'processing_error', failures: { now: 73, before: 15 }, where: 'payment.authorize' },
      { code: 'api_error', failures: { now: 10, before: 0 }, where: 'payment.authorize' },
    ]);
  });

  it('when one cart has two exceptions, then its value counts once, and what its later success settled is recovered', () => {
    const { exceptions } = trendFacts(rollup, period);
    expect(exceptions.opened).toEqual({ now: 2, before: 1 });
    expect(exceptions.valueAtRisk).toEqual([{ value: 500, currency: 'USD' }]);
    expect(exceptions.recovered).toEqual([{ value: 500, currency: 'USD' }]);
    expect(exceptions.medianAckMs).toEqual({ now: 10 * MINUTE, before: null });
    expect(exceptions.medianResolveMs).toEqual({ now: HOUR_MS, before: null });
  });

  it("when a team's trends are built, then only the stages its steps are in show their times", () => {
    expect(trendFacts(rollup, period, { team: 'payments' }).stages).toEqual([]);
    expect(trendFacts(rollup, period).stages).toHaveLength(1);
  });

  it('when counting began inside the period before, then the facts say since when', () => {
    const since = (period.bounds[1] ?? 0) + 1;
    expect(trendFacts(rollup, period, {}, since).countingSince).toBe(since);
    expect(trendFacts(rollup, period, {}, 0).countingSince).toBeUndefined();
  });
});

describe('weekly schedule', () => {
  it('when a date is given, then its ISO week is the one holding its Thursday', () => {
    expect(isoWeek('2026-11-30')).toBe('2026-W49');
    expect(isoWeek('2026-12-06')).toBe('2026-W49');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    expect(isoWeek('2029-12-31')).toBe('2030-W01');
  });

  it('when today is a Wednesday, then the last Monday is two days back, and today when it is Monday', () => {
    const monday = parseWeeklySchedule('Mon 09:00');
    expect(monday).toEqual({ weekday: 1, time: '09:00' });
    expect(lastWeeklyDate('2026-12-02', monday.weekday)).toBe('2026-11-30');
    expect(lastWeeklyDate('2026-11-30', monday.weekday)).toBe('2026-11-30');
    expect(lastWeeklyDate('2026-11-29', parseWeeklySchedule('Sun 18:30').weekday)).toBe('2026-11-29');
  });
});

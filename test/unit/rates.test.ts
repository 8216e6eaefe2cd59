import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { RateRule } from '../../src/domain/noise.js';
import {
  BASELINE_MS,
  evaluateRate,
  figuresWorthUpdating,
  judgeRate,
  rateFacts,
  rateFigures,
  rateSpans,
  tallyRates,
} from '../../src/domain/rates.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);

const rule: RateRule = {
  name: 'payment',
  match: { stage: ['payment'] },
  windowMs: 15 * MINUTE,
  minAttempts: 40,
  above: 0.2,
};
const baselineRule: RateRule = { ...rule, baseline: 2 };
const counts = (attempts: number, failures: number, history = { attempts: 0, failures: 0 }) => ({
  window: { attempts, failures },
  history,
});

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

describe('counting attempts for rate rules', () => {
  it('when events are tallied, then succeeded and failed matching events are attempts, failures keep their codes, per minute', () => {
    const tallies = tallyRates(
      [
        event({ status: 'succeeded' }),
        event({ status: 'started' }),
        event({ status: 'failed', error: { code: 'processing_error' } }),
        event({
          status: 'failed',
          error: { code: 'processing_error' },
          occurredAt: T0 + 30_000,
          receivedAt: T0 + 30_000,
        }),
        event({ status: 'failed', occurredAt: T0 + MINUTE, receivedAt: T0 + MINUTE }),
        event({ stage: 'checkout', status: 'failed' }),
      ],
      [rule],
    );
    expect(tallies).toEqual([
      { rule: 'payment', minute: T0, attempts: 3, failures: 2, codes: { processing_error: 2 } },
      { rule: 'payment', minute: T0 + MINUTE, attempts: 1, failures: 1, codes: { '': 1 } },
    ]);
  });

  it('when a producer clock runs ahead, then its event counts when it was received, not in the future', () => {
    const [tally] = tallyRates([event({ occurredAt: T0 + 3 * MINUTE, receivedAt: T0 })], [rule]);
    expect(tally?.minute).toBe(T0);
  });
});

describe('judging a rate rule', () => {
  it('when 40% fail over enough attempts, then it breaches and raises once', () => {
    const verdict = judgeRate(rule, {}, counts(50, 20), T0);
    expect(verdict.action).toBe('raise');
    expect(verdict.next).toEqual({ breachedAt: T0 });
    expect(verdict.evaluation).toMatchObject({ rate: 0.4, threshold: 0.2, breaching: true });
  });

  it('when fewer attempts than min_attempts, then even a high rate raises nothing', () => {
    expect(judgeRate(rule, {}, counts(39, 30), T0).action).toBe('none');
  });

  it('when the previous days failed as often, then a baseline rule does not fire; without history the threshold decides', () => {
    const sameAsBefore = judgeRate(baselineRule, {}, counts(50, 20, { attempts: 5000, failures: 2000 }), T0);
    expect(sameAsBefore.action).toBe('none');
    expect(sameAsBefore.evaluation.threshold).toBeCloseTo(0.8);
    const jump = judgeRate(baselineRule, {}, counts(50, 20, { attempts: 5000, failures: 400 }), T0);
    expect(jump.action).toBe('raise');
    expect(jump.evaluation.baselineRate).toBeCloseTo(0.08);
    const noHistory = judgeRate(baselineRule, {}, counts(50, 20, { attempts: 3, failures: 0 }), T0);
    expect(noHistory.action).toBe('raise');
    expect(noHistory.evaluation.baselineRate).toBeUndefined();
  });

  it('when breached and the rate dips below the lower level once, then it stays breached and starts over when it rises', () => {
    const breached = { breachedAt: T0 };
    const dip = judgeRate(rule, breached, counts(50, 5), T0 + 5 * MINUTE);
    expect(dip).toMatchObject({ action: 'update', next: { breachedAt: T0, calmSince: T0 + 5 * MINUTE } });
    const up = judgeRate(rule, dip.next, counts(50, 9), T0 + 6 * MINUTE);
    // 18% is under the 20% threshold but above the 15% lower level: not calm.
    expect(up).toMatchObject({ action: 'update', next: { breachedAt: T0 } });
    const calmAgain = judgeRate(rule, up.next, counts(50, 5), T0 + 7 * MINUTE);
    expect(calmAgain.next.calmSince).toBe(T0 + 7 * MINUTE);
    expect(judgeRate(rule, calmAgain.next, counts(50, 5), T0 + 21 * MINUTE).action).toBe('update');
    const settled = judgeRate(rule, calmAgain.next, counts(50, 5), T0 + 22 * MINUTE);
    expect(settled).toMatchObject({ action: 'resolve', next: {} });
  });

  it('when nothing is attempted while breached, then that counts as calm', () => {
    expect(evaluateRate(rule, counts(0, 0)).calm).toBe(true);
    expect(evaluateRate(rule, counts(10, 5)).calm).toBe(false);
  });

  it('when a rule is judged, then its window ends with the current minute and its history is the 7 days before', () => {
    const spans = rateSpans(rule, T0 + 30_000);
    expect(spans).toEqual({
      windowFrom: T0 - 14 * MINUTE,
      to: T0 + MINUTE,
      historyFrom: T0 - 14 * MINUTE - BASELINE_MS,
    });
  });
});

describe("a rate exception's figures", () => {
  const failures = [
    {
      cartId: 'c1',
      stage: 'payment' as const,
      step: 'authorize',
      source: 'stripe',
      at: T0 + 1,
      amount: { value: 1000, currency: 'USD' },
    },
    {
      cartId: 'c2',
      stage: 'payment' as const,
      step: 'authorize',
      source: 'stripe',
      at: T0 + 3,
      amount: { value: 500, currency: 'USD' },
    },
    {
      cartId: 'c1',
      stage: 'payment' as const,
      step: 'capture',
      source: 'stripe',
      at: T0 + 2,
      amount: { value: 1000, currency: 'USD' },
    },
    {
      cartId: 'x9',
      stage: 'checkout' as const,
      step: 'submit',
      source: 'web',
      at: T0 + 4,
      amount: { value: 9999, currency: 'USD' },
    },
  ];

  it('when figures are drawn, then carts are named once each, newest first, and their value counted once', () => {
    const evaluation = evaluateRate(rule, counts(50, 20));
    const figures = rateFigures(rule, evaluation, {
      topCodes: [{ code: 'processing_error', count: 18 }],
      failures,
    });
    expect(figures).toMatchObject({
      attempts: 50,
      failures: 20,
      rate: 0.4,
      threshold: 0.2,
      sampleCarts: ['c2', 'c1'],
      moreCarts: 0,
      valueAtRisk: [{ value: 1500, currency: 'USD' }],
    });
    const facts = rateFacts(rule, figures, failures);
    expect(facts).toMatchObject({ kind: 'rate', dedupKey: 'rate:payment', stage: 'payment', step: '*' });
    expect(facts.errorMessage).toBe('20 of 50 attempts failed in the last 15m (40%; threshold 20%).');
  });

  it('when figures moved less than a minute after the last update, then the message waits', () => {
    const figures = rateFigures(rule, evaluateRate(rule, counts(50, 20)), { topCodes: [], failures: [] });
    const moved = { ...figures, failures: 21 };
    expect(figuresWorthUpdating({ figures, updatedAt: T0 }, moved, T0 + 59_000)).toBe(false);
    expect(figuresWorthUpdating({ figures, updatedAt: T0 }, moved, T0 + MINUTE)).toBe(true);
    expect(figuresWorthUpdating({ figures, updatedAt: T0 }, figures, T0 + 5 * MINUTE)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import { rekeyedDedupKey } from '../../src/domain/linking.js';
import { mergeProjection, type ProjectedEvent, projectionOf } from '../../src/domain/projection.js';

const policy = { ...NO_DUE_POLICY, slaMs: { payment: 1_000 } };
const event = (occurredAt: number, more: Partial<ProjectedEvent> = {}): ProjectedEvent => ({
  stage: 'payment',
  step: 'authorize',
  status: 'started',
  occurredAt,
  ...more,
});
const fold = (events: ProjectedEvent[]) =>
  events.reduce<ReturnType<typeof projectionOf> | undefined>(
    (current, e) => mergeProjection(current, projectionOf(policy, e)),
    undefined,
  );

describe('the cart projection', () => {
  it('when a late event arrives, then stage, step, status and stall due time stay with the latest', () => {
    const merged = fold([event(20, { step: 'capture' }), event(10, { stage: 'cart', step: 'add' })]);
    expect(merged).toMatchObject({ stage: 'payment', step: 'capture', lastProgressAt: 20, firstSeenAt: 10 });
    expect(merged).toMatchObject({ stallDueAt: 1_020, eventCount: 2 });
  });

  it('when two events tie, then the one that arrived last leads', () => {
    expect(fold([event(5, { step: 'a' }), event(5, { step: 'b' })])?.step).toBe('b');
  });

  it('when only an older event has a value, then the cart takes it; a later value replaces it, an earlier one does not', () => {
    const eur = (value: number) => ({ value, currency: 'EUR' });
    expect(fold([event(20), event(10, { amount: eur(1) })])).toMatchObject({ value: 1, currency: 'EUR' });
    expect(fold([event(10, { amount: eur(1) }), event(20, { amount: eur(2) })])?.value).toBe(2);
    expect(fold([event(20, { amount: eur(2) }), event(10, { amount: eur(1) })])?.value).toBe(2);
  });
});

describe('re-keying a dedup key to a linked cart', () => {
  it("when a failure's key names the linked key, then it names the cart instead; anything else stays", () => {
    expect(rekeyedDedupKey('failed:ord_1:payment.capture:declined', 'ord_1', 'cart_1')).toBe(
      'failed:cart_1:payment.capture:declined',
    );
    expect(rekeyedDedupKey('failed:ord_10:payment.capture:', 'ord_1', 'cart_1')).toBe(
      'failed:ord_10:payment.capture:',
    );
    expect(rekeyedDedupKey('stalled:ord_1:payment', 'ord_1', 'cart_1')).toBe('stalled:ord_1:payment');
  });
});

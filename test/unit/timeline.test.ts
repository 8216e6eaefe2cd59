import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { buildTimeline } from '../../src/domain/timeline.js';

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0);
const min = (n: number) => T0 + n * 60_000;

function stored(seq: number, occurredAt: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    seq,
    id: `e${seq}`,
    cartId: 'cart_1',
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    occurredAt,
    receivedAt: T0 + seq,
    source: 'stripe',
    ...overrides,
  };
}

describe('buildTimeline', () => {
  it('when events arrive out of order, then they are listed by occurred_at and the late one is marked', () => {
    const timeline = buildTimeline([
      stored(1, min(0), { stage: 'checkout', step: 'submit' }),
      stored(2, min(10), { stage: 'order', step: 'create' }),
      stored(3, min(5), { stage: 'payment', step: 'capture' }),
    ]);
    expect(timeline.map((e) => e.event.id)).toEqual(['e1', 'e3', 'e2']);
    expect(timeline.map((e) => e.late)).toEqual([false, true, false]);
  });

  it('when steps start and end, then each end carries the step duration and each event the gap before it', () => {
    const timeline = buildTimeline([
      stored(1, min(0), { status: 'started' }),
      stored(2, min(2), { status: 'succeeded' }),
      stored(3, min(3), { step: 'capture', status: 'failed' }),
    ]);
    expect(timeline.map((e) => e.sincePreviousMs)).toEqual([null, 120_000, 60_000]);
    expect(timeline.map((e) => e.stepDurationMs)).toEqual([null, 120_000, null]);
  });

  it('when two events occurred at the same moment, then arrival order breaks the tie and neither is late', () => {
    const timeline = buildTimeline([stored(2, min(1)), stored(1, min(1))]);
    expect(timeline.map((e) => e.event.seq)).toEqual([1, 2]);
    expect(timeline.every((e) => !e.late)).toBe(true);
  });

  it('when a cart has no events, then the timeline is empty', () => {
    expect(buildTimeline([])).toEqual([]);
  });
});

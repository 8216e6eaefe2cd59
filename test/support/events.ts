import { validateEvents } from '../../src/ingest/event-schema.js';
import type { NewEvent } from '../../src/store/store.js';

let counter = 0;

/** A valid wire event (SPEC "Events in"); override any field, or set one to undefined to drop it. */
export function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const event: Record<string, unknown> = {
    id: `evt_test_${process.pid}_${counter}`,
    cart_id: 'cart_1',
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    occurred_at: '2026-11-27T09:00:00.000Z',
    source: 'stripe',
    ...overrides,
  };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return event;
}

export function at(minutes: number, seconds = 0): string {
  return new Date(Date.UTC(2026, 10, 27, 9, minutes, seconds)).toISOString();
}

/** Wire events validated as ingest does, ready for Store.recordEvents. */
export function newEvents(...wire: Record<string, unknown>[]): NewEvent[] {
  const result = validateEvents(wire);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.events;
}

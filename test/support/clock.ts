import type { Clock } from '../../src/services/clock.js';

/** A clock the test moves: stalls, escalations and digests are tested without sleeping. */
export class TestClock implements Clock {
  constructor(private ms: number) {}

  now(): number {
    return this.ms;
  }

  set(iso: string): void {
    this.ms = Date.parse(iso);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

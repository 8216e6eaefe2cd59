import { describe, expect, it } from 'vitest';
import { localDate, startOfLocalDay } from '../../src/domain/local-time.js';

describe('local days', () => {
  it('when it is 09:30 in Berlin, then the day began at local midnight', () => {
    const ms = Date.parse('2026-11-27T08:30:00Z');
    expect(new Date(startOfLocalDay(ms, 'Europe/Berlin')).toISOString()).toBe('2026-11-26T23:00:00.000Z');
    expect(localDate(ms, 'Europe/Berlin')).toBe('2026-11-27');
  });

  it('when clocks fell back during the day, then the day still began at local midnight', () => {
    const ms = Date.parse('2026-10-25T12:00:00Z'); // Berlin left summer time at 03:00 local that morning
    expect(new Date(startOfLocalDay(ms, 'Europe/Berlin')).toISOString()).toBe('2026-10-24T22:00:00.000Z');
  });

  it('when clocks sprang forward during the day, then the day still began at local midnight', () => {
    const ms = Date.parse('2026-03-08T18:00:00Z'); // Chicago went to daylight time at 02:00 local
    expect(new Date(startOfLocalDay(ms, 'America/Chicago')).toISOString()).toBe('2026-03-08T06:00:00.000Z');
  });

  it('when it is just after midnight across the date line, then the local date is the new day', () => {
    expect(localDate(Date.parse('2026-11-27T11:30:00Z'), 'Pacific/Auckland')).toBe('2026-11-28');
  });
});

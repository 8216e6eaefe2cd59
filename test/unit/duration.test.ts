import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../../src/config.js';

describe('durations', () => {
  it('when a duration is written with a unit or as a compound, then it becomes milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1m500ms')).toBe(60_500);
  });

  it('when a duration is not one, then it is refused with an example of one', () => {
    for (const bad of [
      '',
      '10 minutes',
      '-5m',
      '15',
      'm',
      '1.5h',
      '1h 30m',
      ' 5m',
      '5M',
      '99999999999999999999d',
    ]) {
      expect(() => parseDuration(bad), bad).toThrow(/is not a duration; write e\.g\. 30s, 15m/);
    }
  });

  it('when a duration is zero, then it is refused as too short', () => {
    expect(() => parseDuration('0m')).toThrow('"0m" is not a duration; it must be longer than zero');
    expect(() => parseDuration('0h0m')).toThrow(/longer than zero/);
  });
});

describe('sizes', () => {
  it('when a size is written with binary or decimal units, then it becomes bytes', () => {
    expect(parseSize('1MiB')).toBe(1_048_576);
    expect(parseSize('512KiB')).toBe(524_288);
    expect(parseSize('1GiB')).toBe(1_073_741_824);
    expect(parseSize('1MB')).toBe(1_000_000);
    expect(parseSize('2KB')).toBe(2000);
    expect(parseSize('1GB')).toBe(1_000_000_000);
    expect(parseSize('1000B')).toBe(1000);
  });

  it('when a size is not one, or is zero, then it is refused', () => {
    for (const bad of ['', '0MiB', '0B', '1 parsec', 'MiB', '-1KiB', '1.5MiB', '1mib', '1024']) {
      expect(() => parseSize(bad), bad).toThrow(/is not a size; write e\.g\. 1MiB/);
    }
  });
});

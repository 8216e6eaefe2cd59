import { describe, expect, it } from 'vitest';
import { maintenanceHolding, occurrencesBetween } from '../../src/domain/maintenance.js';
import type { MaintenanceWindow } from '../../src/domain/noise.js';
import {
  canonicalMatch,
  describeMatch,
  matchLike,
  silenceHolds,
  silenceProblems,
  snoozeEnd,
} from '../../src/domain/silence.js';
import { renderDigest } from '../../src/slack/blocks/digest.js';

const at = (text: string) => Date.parse(text);
const HOUR = 3_600_000;

describe('silences', () => {
  it('when a silence names nothing but its team, lasts over a week or gives no reason, then each is said', () => {
    expect(silenceProblems({ match: { team: ['payments'] }, forMs: 8 * 24 * HOUR, reason: ' ' })).toEqual({
      match: 'Keep at least one of stage, step, error code or source besides the team.',
      for: 'A silence lasts at most 7 days.',
      reason: 'Say why, for whoever wonders where the exceptions went.',
    });
    expect(silenceProblems({ match: { step: ['capture'] }, forMs: 7 * 24 * HOUR, reason: 'ok' })).toEqual({});
  });

  it('when two matches name the same things in another order, then they are the same silence', () => {
    expect(canonicalMatch({ stage: ['payment'], error_code: ['b', 'a'] })).toBe(
      canonicalMatch({ error_code: ['a', 'b'], stage: ['payment'] }),
    );
    expect(describeMatch({ source: ['adyen'], error_code: ['timeout'], stage: ['payment'] })).toBe(
      'stage payment, error code timeout, source adyen',
    );
  });

  it('when Silence like this keeps some fields of an exception, then only those are matched, for its team, while it holds', () => {
    const facts = {
      stage: 'payment' as const,
      step: 'authorize',
      errorCode: 'processing_error',
      source: 'stripe',
    };
    const match = matchLike(facts, ['stage', 'error_code']);
    expect(match).toEqual({ stage: ['payment'], error_code: ['processing_error'] });
    const silence = {
      id: 1,
      team: 'payments',
      match,
      reason: 'PSP',
      createdBy: 'U0ANNA',
      createdAt: 0,
      startsAt: 1000,
      endsAt: 2000,
    };
    const subject = { ...facts, team: 'payments' };
    expect(silenceHolds(silence, subject, 1500)).toBe(true);
    expect(silenceHolds(silence, { ...subject, step: 'capture' }, 1500)).toBe(true);
    expect(silenceHolds(silence, { ...subject, team: 'ops' }, 1500)).toBe(false);
    expect(silenceHolds(silence, { ...subject, errorCode: 'timeout' }, 1500)).toBe(false);
    expect(silenceHolds(silence, subject, 2000)).toBe(false);
    expect(silenceHolds({ ...silence, endedAt: 1200 }, subject, 1500)).toBe(false);
  });

  it("when snoozed until the digest, then it ends at tomorrow's digest time in the team's zone, whatever the hour now", () => {
    const digest = { at: '09:00', timeZone: 'Europe/Berlin' };
    // 23:30 in Berlin on the 27th, and 00:30 on the 28th: "tomorrow" is the 28th, then the 29th.
    expect(new Date(snoozeEnd('digest', at('2026-11-27T22:30:00Z'), digest)).toISOString()).toBe(
      '2026-11-28T08:00:00.000Z',
    );
    expect(new Date(snoozeEnd('digest', at('2026-11-27T23:30:00Z'), digest)).toISOString()).toBe(
      '2026-11-29T08:00:00.000Z',
    );
    // Across the end of summer time: 09:00 is still 09:00 on the wall.
    expect(new Date(snoozeEnd('digest', at('2026-10-24T12:00:00Z'), digest)).toISOString()).toBe(
      '2026-10-25T08:00:00.000Z',
    );
    expect(snoozeEnd('30m', 0, digest)).toBe(30 * 60_000);
  });
});

describe('maintenance windows', () => {
  const weekly: MaintenanceWindow = {
    name: 'WMS upgrade',
    match: { stage: ['fulfillment'] },
    kind: 'weekly',
    weekday: 0,
    time: '02:00',
    forMs: 2 * HOUR,
    timezone: 'Europe/Berlin',
  };

  it('when a weekly window is asked for around a Sunday, then its occurrence starts at 02:00 local, in winter and in summer', () => {
    const winter = occurrencesBetween([weekly], at('2026-11-28T00:00:00Z'), at('2026-11-30T00:00:00Z'));
    expect(winter.map((o) => [o.key, new Date(o.endsAt).toISOString(), o.team])).toEqual([
      ['WMS upgrade@2026-11-29T01:00:00.000Z', '2026-11-29T03:00:00.000Z', '*'],
    ]);
    const summer = occurrencesBetween([weekly], at('2026-07-04T00:00:00Z'), at('2026-07-06T00:00:00Z'));
    expect(summer.map((o) => o.key)).toEqual(['WMS upgrade@2026-07-05T00:00:00.000Z']);
  });

  it('when an occurrence is under way, then it is found from inside it, and a check inside it is held back only if it matches', () => {
    const inside = at('2026-11-29T02:30:00Z');
    expect(occurrencesBetween([weekly], inside, inside + 1)).toHaveLength(1);
    const stall = { stage: 'fulfillment' as const, step: 'ship', kind: 'stalled', team: 'fulfillment' };
    expect(maintenanceHolding([weekly], stall, inside)?.endsAt).toBe(at('2026-11-29T03:00:00Z'));
    expect(maintenanceHolding([weekly], { ...stall, stage: 'payment' }, inside)).toBeUndefined();
    expect(maintenanceHolding([weekly], stall, at('2026-11-29T03:00:00Z'))).toBeUndefined();
  });

  it('when a window names one team, then its silence is that team’s; a one-off window is found only in its own time', () => {
    const once: MaintenanceWindow = {
      name: 'PSP migration',
      match: { team: ['payments'], source: ['adyen'] },
      kind: 'once',
      fromAt: at('2026-12-10T22:00:00Z'),
      untilAt: at('2026-12-11T02:00:00Z'),
    };
    const [occurrence] = occurrencesBetween([once], at('2026-12-10T23:00:00Z'), at('2026-12-10T23:10:00Z'));
    expect(occurrence).toMatchObject({ team: 'payments', match: { source: ['adyen'] } });
    expect(occurrencesBetween([once], at('2026-12-11T02:00:00Z'), at('2026-12-11T03:00:00Z'))).toEqual([]);
  });
});

describe('the digest', () => {
  it('when silences held exceptions back, then one line counts them by silence, reasons shown inert', () => {
    const facts = {
      team: 'payments',
      localDate: '2026-11-28',
      from: 0,
      to: 1,
      opened: { now: 38, before: 1 },
      acknowledged: { now: 0, before: 0 },
      resolved: { now: 0, before: 0 },
      autoResolved: { now: 30, before: 0 },
      carriedOver: 0,
      stillOpen: 8,
      topSteps: [],
      topErrors: [],
      valueAtRisk: [],
      silenced: [
        { reason: 'PSP <!channel>', count: 30 },
        { reason: 'WMS upgrade', maintenance: true, count: 7 },
      ],
    };
    const text = JSON.stringify(renderDigest(facts).blocks);
    expect(text).toContain("*Silenced:* 37: 30 'PSP &lt;!channel&gt;', 7 maintenance 'WMS upgrade'");
  });
});

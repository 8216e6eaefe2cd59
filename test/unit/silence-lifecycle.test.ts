import { describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import { ALL_TEAMS, type Silence } from '../../src/domain/silence.js';
import {
  activeByTeam,
  alreadyEnded,
  identicalSilence,
  silenceIsActive,
  teamsToTell,
} from '../../src/domain/silence-lifecycle.js';
import { wakeFromSnooze } from '../../src/domain/snooze.js';
import type { ExceptionRow } from '../../src/store/rows/exception-rows.js';
import { planSilenceEnd } from '../../src/store/shared/silence-settlement.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

const aSilence = (overrides: Partial<Silence> = {}): Silence => ({
  id: 1,
  team: 'payments',
  match: { stage: ['payment'] },
  reason: 'PSP maintenance',
  createdBy: 'U0ALICE',
  createdAt: T0,
  startsAt: T0,
  endsAt: T0 + HOUR,
  ...overrides,
});

describe('a silence holding', () => {
  it('when begun and not yet over, ended or told, then it holds; otherwise not', () => {
    expect(silenceIsActive(aSilence(), T0)).toBe(true);
    expect(silenceIsActive(aSilence(), T0 + HOUR)).toBe(false);
    expect(silenceIsActive(aSilence({ startsAt: T0 + 1 }), T0)).toBe(false);
    expect(silenceIsActive(aSilence({ endedAt: T0 }), T0)).toBe(false);
    expect(silenceIsActive(aSilence({ summarisedAt: T0 }), T0)).toBe(false);
  });

  it('when asked again, then the holding one made by a person that lasts longest is the one lengthened', () => {
    const shorter = aSilence({ id: 1 });
    const longer = aSilence({ id: 2, endsAt: T0 + 2 * HOUR });
    const window = aSilence({ id: 3, endsAt: T0 + 3 * HOUR, maintenance: 'psp@x' });
    const ended = aSilence({ id: 4, endsAt: T0 + 4 * HOUR, endedAt: T0 });
    expect(identicalSilence([shorter, longer, window, ended], T0)?.id).toBe(2);
    expect(identicalSilence([window, ended], T0)).toBeUndefined();
  });

  it('when ended, told or over by then, then an early end changes nothing', () => {
    expect(alreadyEnded(aSilence(), T0)).toBe(false);
    expect(alreadyEnded(aSilence(), T0 + HOUR)).toBe(true);
    expect(alreadyEnded(aSilence({ endedAt: T0 }), T0)).toBe(true);
  });

  it('when several teams are held back, then one over all teams tells those it names, else those it held', () => {
    expect(teamsToTell(aSilence(), ['ops'])).toEqual(['payments']);
    expect(teamsToTell(aSilence({ team: ALL_TEAMS, match: { team: ['ops'] } }), ['payments'])).toEqual([
      'ops',
    ]);
    expect(teamsToTell(aSilence({ team: ALL_TEAMS }), ['ops', 'payments', 'ops'])).toEqual([
      'ops',
      'payments',
    ]);
    expect(activeByTeam([aSilence(), aSilence({ team: ALL_TEAMS }), aSilence()])).toEqual([
      { team: 'payments', count: 2 },
      { team: 'all', count: 1 },
    ]);
  });
});

describe("a silence's end", () => {
  const row = (id: number, overrides: Partial<ExceptionRow> = {}) =>
    ({
      id,
      kind: 'failed',
      dedup_key: `failed:${id}`,
      state: 'open',
      resolution: null,
      stage: 'payment',
      step: 'authorize',
      error_code: 'processing_error',
      team: 'payments',
      channel: 'C_PAY',
      ...overrides,
    }) as ExceptionRow;

  it('when it ran out, then it is audited, its team told what happened, and what it still holds released as raised now', () => {
    const now = T0 + HOUR;
    const plan = planSilenceEnd({
      before: aSilence(),
      after: aSilence({ endedAt: T0 + HOUR, summarisedAt: now }),
      raised: [row(1), row(2, { state: 'resolved', resolution: 'manual' }), row(3)],
      heldIds: new Set([1, 2]),
      channels: { payments: 'C_PAY' },
      now,
      policy: NO_DUE_POLICY,
    });
    expect(plan.audit).toEqual({ actor: 'cartwatch', action: 'ended', note: 'ran out' });
    expect(plan.notes).toMatchObject([
      { channel: 'C_PAY', note: { raised: 3, resolvedByPeople: 1, stillOpen: 2, posted: 1 } },
    ]);
    expect(plan.releases).toEqual([
      {
        id: 1,
        channel: 'C_PAY',
        groupKey: 'payments|failed|payment.authorize|processing_error',
        raisedAt: now,
        escalateAt: now + NO_DUE_POLICY.escalateAfterMs,
      },
    ]);
  });

  it('when a person ended it, then its end is not audited again', () => {
    const plan = planSilenceEnd({
      before: aSilence({ endedAt: T0 }),
      after: aSilence({ endedAt: T0, summarisedAt: T0 }),
      raised: [],
      heldIds: new Set(),
      channels: {},
      now: T0,
      policy: NO_DUE_POLICY,
    });
    expect(plan).toEqual({ notes: [], releases: [] });
  });
});

describe("a snooze's end", () => {
  const snoozed = {
    snoozedUntil: T0,
    snoozedBy: 'U0BOB',
    escalationLevel: 2,
    escalateAt: T0 - 1,
    remindAt: T0 - 2,
  };

  it('when still open, then escalation starts over from its end, at the first level', () => {
    expect(wakeFromSnooze({ ...snoozed, state: 'open' }, NO_DUE_POLICY, T0 + 5)).toEqual({
      escalateAt: T0 + NO_DUE_POLICY.escalateAfterMs,
      escalationLevel: 0,
      remindAt: T0 - 2,
      told: { snoozedBy: 'U0BOB', state: 'open' },
    });
  });

  it('when acknowledged, then reminders start over from its end; when resolved, nothing is told', () => {
    expect(wakeFromSnooze({ ...snoozed, state: 'acknowledged' }, NO_DUE_POLICY, T0)).toMatchObject({
      remindAt: T0 + NO_DUE_POLICY.remindAfterMs,
      escalationLevel: 2,
      told: { state: 'acknowledged' },
    });
    expect(wakeFromSnooze({ ...snoozed, state: 'resolved' }, NO_DUE_POLICY, T0).told).toBeUndefined();
  });
});

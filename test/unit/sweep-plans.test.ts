import { describe, expect, it } from 'vitest';
import { NO_DUE_POLICY } from '../../src/domain/due-policy.js';
import type { ExceptionRow } from '../../src/store/rows/exception-rows.js';
import { planEscalation, planReminder, stormSpokesman } from '../../src/store/shared/sweep-plans.js';

const T0 = 1_800_000_000_000;
const WAIT = NO_DUE_POLICY.escalateAfterMs;

function row(overrides: Partial<ExceptionRow> = {}): ExceptionRow {
  return {
    id: 1,
    dedup_key: 'failed:cart_1:payment.authorize',
    kind: 'failed',
    state: 'open',
    resolution: null,
    cart_id: 'cart_1',
    stage: 'payment',
    step: 'authorize',
    error_code: 'card_declined',
    error_message: null,
    amount_value: null,
    amount_currency: null,
    amount_from: null,
    source: null,
    run_id: null,
    team: 'payments',
    channel: 'C0PAY',
    route_reason: 'stage is payment',
    assignee: null,
    acknowledged_at: null,
    resolved_at: null,
    resolved_by: null,
    first_seen_at: T0,
    last_seen_at: T0,
    raised_at: T0,
    count: 1,
    revision: 0,
    slack_ts: null,
    escalate_at: T0 + WAIT,
    escalation_level: 0,
    remind_at: null,
    group_key: null,
    group_id: null,
    silence_id: null,
    snoozed_until: null,
    snoozed_by: null,
    ...overrides,
  };
}

const member = (id: number, extra: Partial<Parameters<typeof stormSpokesman>[0][number]> = {}) => ({
  id,
  state: 'open',
  escalate_at: T0 + WAIT,
  escalation_level: 0,
  remind_at: null,
  ...extra,
});

describe('what a sweep step writes', () => {
  it('when the due time moved since it was read (someone acknowledged), then the escalation step is skipped', () => {
    const step = { id: 1, escalateAt: T0 + WAIT };
    expect(planEscalation(row({ escalate_at: T0 + 2 * WAIT }), step, { policy: NO_DUE_POLICY })).toEqual({
      type: 'skip',
    });
    expect(planEscalation(row({ state: 'acknowledged' }), step, { policy: NO_DUE_POLICY })).toEqual({
      type: 'skip',
    });
  });

  it('when an exception first escalates, then its team is mentioned in the thread, and the board follows if there is one', () => {
    const step = { id: 1, escalateAt: T0 + WAIT, mention: 'S0PAY' };
    expect(planEscalation(row(), step, { policy: NO_DUE_POLICY, escalationChannel: 'C0MGR' })).toEqual({
      type: 'step',
      level: 1,
      escalateAt: T0 + 2 * WAIT,
      threadNote: { type: 'escalation', waitedMs: WAIT, mention: 'S0PAY' },
    });
    expect(planEscalation(row(), step, { policy: NO_DUE_POLICY })).toMatchObject({
      level: 1,
      escalateAt: null,
    });
    const second = planEscalation(
      row({ escalation_level: 1, escalate_at: T0 + 2 * WAIT }),
      { id: 1, escalateAt: T0 + 2 * WAIT },
      { policy: NO_DUE_POLICY, escalationChannel: 'C0MGR' },
    );
    expect(second).toEqual({
      type: 'step',
      level: 2,
      escalateAt: null,
      board: { team: 'payments', channel: 'C0MGR' },
    });
  });

  it('when a storm falls due, then it escalates through one member, even after that member has no step left', () => {
    expect(stormSpokesman([member(3), member(2), member(4)])).toBe(2);
    expect(stormSpokesman([member(2, { escalate_at: null, escalation_level: 1 }), member(3)])).toBe(2);
    expect(stormSpokesman([member(2, { state: 'acknowledged' }), member(3)])).toBe(3);
    const step = { id: 3, escalateAt: T0 + WAIT };
    expect(
      planEscalation(row({ id: 3, group_id: 7 }), step, { policy: NO_DUE_POLICY, spokesmanId: 2 }),
    ).toEqual({
      type: 'stand_down',
      level: 0,
    });
  });

  it("when an acknowledged storm member is due a reminder, then only the storm's first acknowledged member tells it", () => {
    const acked = row({ state: 'acknowledged', assignee: 'U0ANNA', acknowledged_at: T0, remind_at: T0 + 4 });
    const context = { now: T0 + 10, policy: NO_DUE_POLICY };
    expect(planReminder(acked, { id: 1, remindAt: T0 + 4 }, context)).toEqual({
      type: 'remind',
      note: { type: 'reminder', assignee: 'U0ANNA', waitedMs: 10 },
      remindAt: T0 + 10 + NO_DUE_POLICY.remindAfterMs,
    });
    expect(
      planReminder({ ...acked, group_id: 7 }, { id: 1, remindAt: T0 + 4 }, { ...context, reminderId: 2 }),
    ).toEqual({ type: 'remind', remindAt: T0 + 10 + NO_DUE_POLICY.remindAfterMs });
    expect(planReminder({ ...acked, assignee: null }, { id: 1, remindAt: T0 + 4 }, context)).toEqual({
      type: 'skip',
    });
  });
});

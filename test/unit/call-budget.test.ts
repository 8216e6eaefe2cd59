import { describe, expect, it } from 'vitest';
import { CallBudget } from '../../src/slack/call-budget.js';

describe('call budget', () => {
  it('when calls come in a burst, then the burst goes at once and the rest wait for the allowance to refill', () => {
    const budget = new CallBudget(60, 3);
    expect([budget.take(0), budget.take(0), budget.take(0)]).toEqual([0, 0, 0]);
    // One a second at 60 a minute.
    expect(budget.take(0)).toBe(1000);
    expect(budget.take(400)).toBe(600);
    expect(budget.take(1000)).toBe(0);
    expect(budget.take(1000)).toBe(1000);
  });

  it('when it has rested long, then it holds no more than its burst', () => {
    const budget = new CallBudget(60, 2);
    budget.take(0);
    expect([budget.take(3_600_000), budget.take(3_600_000)]).toEqual([0, 0]);
    expect(budget.take(3_600_000)).toBeGreaterThan(0);
  });
});

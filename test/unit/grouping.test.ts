import { describe, expect, it } from 'vitest';
import { placeNewException } from '../../src/domain/grouping.js';

const MINUTE = 60_000;
const NOW = 1_000_000_000_000;
const rule = { min: 5, windowMs: 5 * MINUTE };
const key = 'payments|failed|payment.authorize|processing_error';
const candidate = (
  id: number,
  minutesAgo: number,
  hasMessage = false,
  handedToPerson = false,
  resolved = false,
) => ({
  id,
  raisedAt: NOW - minutesAgo * MINUTE,
  hasMessage,
  handedToPerson,
  resolved,
});

describe('storm grouping decisions', () => {
  it('when a like exception arrives while a storm is live, then it joins that storm', () => {
    expect(
      placeNewException(rule, { id: 9, groupKey: key }, { liveGroupId: 3, candidates: [] }, NOW),
    ).toEqual({
      type: 'join',
      groupId: 3,
    });
  });

  it('when fewer than the minimum were raised within the window, then it is posted alone after the short wait', () => {
    const candidates = [candidate(1, 1), candidate(2, 2), candidate(3, 3), candidate(4, 6)];
    expect(placeNewException(rule, { id: 5, groupKey: key }, { candidates }, NOW)).toEqual({
      type: 'alone',
      wait: true,
    });
  });

  it('when a steady trickle reaches the minimum within the window, then the ones already posted form the storm and are redrawn to point to it', () => {
    const candidates = [
      candidate(4, 1, true),
      candidate(2, 3, true),
      candidate(3, 2, false),
      candidate(1, 4, true),
    ];
    expect(placeNewException(rule, { id: 5, groupKey: key }, { candidates }, NOW)).toEqual({
      type: 'form',
      members: [
        { id: 1, pointToStorm: true },
        { id: 2, pointToStorm: true },
        { id: 3, pointToStorm: false },
        { id: 4, pointToStorm: true },
        { id: 5, pointToStorm: false },
      ],
    });
  });

  it('when failures keep recovering by themselves (retries that work), then they still add up to a storm, and their own messages are left alone', () => {
    const candidates = [
      candidate(1, 4, true, false, true),
      candidate(2, 3, false, false, true),
      candidate(3, 2),
      candidate(4, 1, true),
    ];
    expect(placeNewException(rule, { id: 5, groupKey: key }, { candidates }, NOW)).toEqual({
      type: 'form',
      members: [
        { id: 1, pointToStorm: false },
        { id: 2, pointToStorm: false },
        { id: 3, pointToStorm: false },
        { id: 4, pointToStorm: true },
        { id: 5, pointToStorm: false },
      ],
    });
  });

  it("when a like one is already in the channel, then the newcomer waits out that one's window rather than the short wait", () => {
    const candidates = [candidate(1, 2, true), candidate(2, 1), candidate(3, 4, true, false, true)];
    expect(placeNewException(rule, { id: 4, groupKey: key }, { candidates }, NOW)).toEqual({
      type: 'alone',
      wait: true,
      until: NOW - 2 * MINUTE + rule.windowMs,
    });
  });

  it('when one raised just outside the window is found, then it does not count toward the storm', () => {
    const candidates = [candidate(1, 5.01), candidate(2, 3), candidate(3, 2), candidate(4, 1)];
    expect(placeNewException(rule, { id: 5, groupKey: key }, { candidates }, NOW).type).toBe('alone');
  });

  it('when one of them was handed to a person, then it stays theirs and does not count toward a storm', () => {
    const candidates = [candidate(1, 1, true, true), candidate(2, 1), candidate(3, 1), candidate(4, 1)];
    expect(placeNewException(rule, { id: 5, groupKey: key }, { candidates }, NOW).type).toBe('alone');
  });

  it('when the exception cannot be grouped, or grouping is off, then it is posted alone at once', () => {
    const candidates = [candidate(1, 1), candidate(2, 1), candidate(3, 1), candidate(4, 1)];
    expect(placeNewException(rule, { id: 5, groupKey: undefined }, { candidates }, NOW)).toEqual({
      type: 'alone',
      wait: false,
    });
    expect(placeNewException({ ...rule, min: 1 }, { id: 5, groupKey: key }, { candidates }, NOW)).toEqual({
      type: 'alone',
      wait: false,
    });
  });
});

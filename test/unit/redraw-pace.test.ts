import { describe, expect, it } from 'vitest';
import {
  BOARD_REDRAW_EVERY_MS,
  boardDueAt,
  joinRedraw,
  pacedRedrawDueAt,
  REDRAW_EVERY_MS,
} from '../../src/store/shared/outbox-plans.js';

const NOW = 1_800_000_000_000;

describe('redraw pace', () => {
  it('when a message was never drawn, or its last drawing was superseded, then a paced redraw is due now', () => {
    expect(pacedRedrawDueAt(undefined, NOW)).toBe(NOW);
    expect(pacedRedrawDueAt({ sent_at: null, claimed_until: 0 }, NOW)).toBe(NOW);
  });

  it('when it was drawn a moment ago, or is being drawn right now, then the redraw waits out the pace from then', () => {
    expect(pacedRedrawDueAt({ sent_at: NOW - 1_000, claimed_until: 0 }, NOW)).toBe(
      NOW - 1_000 + REDRAW_EVERY_MS,
    );
    expect(pacedRedrawDueAt({ sent_at: null, claimed_until: NOW + 30_000 }, NOW)).toBe(NOW + REDRAW_EVERY_MS);
    expect(pacedRedrawDueAt({ sent_at: NOW - 10 * REDRAW_EVERY_MS, claimed_until: 0 }, NOW)).toBe(NOW);
  });

  it('when a member joins in id order, then the redraw is paced; one older than the newest member makes earlier drawings stale', () => {
    expect(joinRedraw(12, 11)).toBe('paced');
    expect(joinRedraw(12, null)).toBe('paced');
    expect(joinRedraw(7, 11)).toBe('now');
  });

  it("when a board changes, then a person's change draws it at once and detection's waits out the pace from its last drawing, or from the one going out now", () => {
    const drawn = { drawn_at: NOW - 1_000 };
    expect(boardDueAt(drawn, null, 'now', NOW)).toBe(NOW);
    expect(boardDueAt(drawn, null, 'paced', NOW)).toBe(NOW - 1_000 + BOARD_REDRAW_EVERY_MS);
    expect(boardDueAt({ drawn_at: null }, null, 'paced', NOW)).toBe(NOW);
    expect(boardDueAt(drawn, NOW + 30_000, 'paced', NOW)).toBe(NOW + BOARD_REDRAW_EVERY_MS);
    expect(boardDueAt({ drawn_at: NOW - 10 * BOARD_REDRAW_EVERY_MS }, null, 'paced', NOW)).toBe(NOW);
  });
});

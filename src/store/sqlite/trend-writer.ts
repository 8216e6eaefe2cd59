import type Database from 'better-sqlite3';
import type { Stage } from '../../domain/event.js';
import { hourOf } from '../../domain/rollups.js';
import type { DetectionRollup } from '../exception-types.js';
import { addBucketCounts, parseBucketCounts } from '../shared/stage-buckets.js';

/**
 * Trends' hourly roll-ups, written inside the detection and sweep transactions, so each event and
 * each stall is counted exactly once, off the ingest path. What counts is decided in
 * domain/rollups.ts, how bucket counts add in store/shared/stage-buckets.ts; this adds the counts up.
 */
export class TrendWriter {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      addStep:
        db.prepare(`INSERT INTO step_hours (hour, team, stage, step, attempts, failures, suppressed, stalls)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (hour, team, stage, step) DO UPDATE SET attempts = attempts + excluded.attempts,
          failures = failures + excluded.failures, suppressed = suppressed + excluded.suppressed,
          stalls = stalls + excluded.stalls`),
      addCode:
        db.prepare(`INSERT INTO step_hour_codes (hour, team, stage, step, code, n) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (hour, team, stage, step, code) DO UPDATE SET n = n + excluded.n`),
      times: db.prepare<[number, string], { buckets: string }>(
        'SELECT buckets FROM stage_hours WHERE hour = ? AND stage = ?',
      ),
      setTimes: db.prepare(`INSERT INTO stage_hours (hour, stage, buckets) VALUES (?, ?, ?)
        ON CONFLICT (hour, stage) DO UPDATE SET buckets = excluded.buckets`),
      setMarks: db.prepare(`INSERT INTO cart_stages (cart_id, stage, entered_at)
        SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?) WHERE true
        ON CONFLICT (cart_id) DO UPDATE SET stage = excluded.stage, entered_at = excluded.entered_at`),
      forgetCart: db.prepare('DELETE FROM cart_stages WHERE cart_id = ?'),
      pruneSteps: db.prepare('DELETE FROM step_hours WHERE hour < ?'),
      pruneCodes: db.prepare('DELETE FROM step_hour_codes WHERE hour < ?'),
      pruneTimes: db.prepare('DELETE FROM stage_hours WHERE hour < ?'),
    };
  }

  /** A detection batch's step tallies, the carts' stage marks that moved, and the hand-offs counted. */
  recordDetection(rollup: DetectionRollup): void {
    for (const t of rollup.steps) {
      this.s.addStep.run(t.hour, t.team, t.stage, t.step, t.attempts, t.failures, t.suppressed, 0);
      for (const [code, n] of Object.entries(t.codes))
        this.s.addCode.run(t.hour, t.team, t.stage, t.step, code, n);
    }
    // One statement for the batch: a statement per cart costs ten times as much.
    if (rollup.moved.length > 0) this.s.setMarks.run(JSON.stringify(rollup.moved));
    for (const { hour, stage, buckets } of rollup.times) {
      const stored = this.s.times.get(hour, stage);
      const counts = addBucketCounts(stored ? parseBucketCounts(stored.buckets) : [], buckets);
      this.s.setTimes.run(hour, stage, JSON.stringify(counts));
    }
  }

  /** A stall raised at a team's stage.step, in the hour it fell due. */
  stall(input: { team: string; stage: Stage; step: string; at: number }): void {
    this.s.addStep.run(hourOf(input.at), input.team, input.stage, input.step, 0, 0, 0, 1);
  }

  /** A cart pruned with retention takes its stage mark along. */
  forgetCart(cartId: string): void {
    this.s.forgetCart.run(cartId);
  }

  /** Hours before `cutoff`; returns how many rows went. */
  pruneBefore(cutoff: number): number {
    return (
      this.s.pruneSteps.run(cutoff).changes +
      this.s.pruneCodes.run(cutoff).changes +
      this.s.pruneTimes.run(cutoff).changes
    );
  }
}

import type { Stage } from '../../domain/event.js';
import type { StageTimeTally, StepTally } from '../../domain/rollups.js';
import { hourOf } from '../../domain/rollups.js';
import type { DetectionRollup } from '../exception-types.js';
import { addBucketCounts, parseBucketCounts } from '../shared/stage-buckets.js';
import type { Runner, Tx } from './connection.js';

/** Code-unit order (as SQLite's BINARY collation): every writer locks roll-up rows in this order. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byStepKey(a: StepTally, b: StepTally): number {
  return a.hour - b.hour || byText(a.team, b.team) || byText(a.stage, b.stage) || byText(a.step, b.step);
}

/**
 * Trends' hourly roll-ups on Postgres, written inside the detection and sweep transactions (each
 * method takes the caller's transaction first), so each event and each stall is counted exactly once.
 * What counts is decided in domain/rollups.ts and how bucket counts add up in
 * store/shared/stage-buckets.ts; this adds the counts up. Counts are upserts that add, so instances
 * writing the same hour at once both count; rows are touched in one sorted order to avoid deadlocks.
 */
export class TrendWriter {
  /** A detection batch's step tallies, the carts' stage marks that moved, and the hand-offs counted. */
  async recordDetection(tx: Tx, rollup: DetectionRollup): Promise<void> {
    const steps = [...rollup.steps].sort(byStepKey);
    await this.addSteps(tx, steps);
    await this.addCodes(tx, steps);
    await this.setMarks(tx, rollup.moved);
    await this.addTimes(tx, rollup.times);
  }

  /** A stall raised at a team's stage.step, in the hour it fell due. */
  async stall(tx: Tx, input: { team: string; stage: Stage; step: string; at: number }): Promise<void> {
    await tx`INSERT INTO step_hours (hour, team, stage, step, attempts, failures, suppressed, stalls)
      VALUES (${hourOf(input.at)}, ${input.team}, ${input.stage}, ${input.step}, 0, 0, 0, 1)
      ON CONFLICT (hour, team, stage, step) DO UPDATE SET stalls = step_hours.stalls + 1`;
  }

  /** Carts pruned with retention take their stage marks along (one statement for any number). */
  async forgetCart(tx: Runner, cartIds: string | readonly string[]): Promise<void> {
    const ids = typeof cartIds === 'string' ? [cartIds] : [...cartIds];
    if (ids.length === 0) return;
    await tx`DELETE FROM cart_stages WHERE cart_id = ANY(${ids}::text[])`;
  }

  /** Hours before `cutoff`; returns how many rows went (one round trip for the three tables). */
  async pruneBefore(tx: Runner, cutoff: number): Promise<number> {
    const [row] = await tx<{ n: number }[]>`
      WITH s AS (DELETE FROM step_hours WHERE hour < ${cutoff} RETURNING 1),
        c AS (DELETE FROM step_hour_codes WHERE hour < ${cutoff} RETURNING 1),
        t AS (DELETE FROM stage_hours WHERE hour < ${cutoff} RETURNING 1)
      SELECT ((SELECT count(*) FROM s) + (SELECT count(*) FROM c) + (SELECT count(*) FROM t))::int AS n`;
    return row?.n ?? 0;
  }

  private async addSteps(tx: Tx, steps: readonly StepTally[]): Promise<void> {
    if (steps.length === 0) return;
    await tx`INSERT INTO step_hours (hour, team, stage, step, attempts, failures, suppressed, stalls)
      SELECT hour, team, stage, step, attempts, failures, suppressed, 0 FROM unnest(
        ${steps.map((t) => t.hour)}::bigint[], ${steps.map((t) => t.team)}::text[],
        ${steps.map((t) => t.stage)}::text[], ${steps.map((t) => t.step)}::text[],
        ${steps.map((t) => t.attempts)}::int[], ${steps.map((t) => t.failures)}::int[],
        ${steps.map((t) => t.suppressed)}::int[]
      ) AS u(hour, team, stage, step, attempts, failures, suppressed)
      ON CONFLICT (hour, team, stage, step) DO UPDATE SET
        attempts = step_hours.attempts + excluded.attempts, failures = step_hours.failures + excluded.failures,
        suppressed = step_hours.suppressed + excluded.suppressed`;
  }

  private async addCodes(tx: Tx, steps: readonly StepTally[]): Promise<void> {
    const rows = steps.flatMap((t) =>
      Object.entries(t.codes)
        .sort(([a], [b]) => byText(a, b))
        .map(([code, n]) => ({ t, code, n })),
    );
    if (rows.length === 0) return;
    await tx`INSERT INTO step_hour_codes (hour, team, stage, step, code, n)
      SELECT * FROM unnest(
        ${rows.map((r) => r.t.hour)}::bigint[], ${rows.map((r) => r.t.team)}::text[],
        ${rows.map((r) => r.t.stage)}::text[], ${rows.map((r) => r.t.step)}::text[],
        ${rows.map((r) => r.code)}::text[], ${rows.map((r) => r.n)}::int[]
      )
      ON CONFLICT (hour, team, stage, step, code) DO UPDATE SET n = step_hour_codes.n + excluded.n`;
  }

  /** One statement for the batch: a statement per cart costs a round trip each. */
  private async setMarks(tx: Tx, moved: DetectionRollup['moved']): Promise<void> {
    if (moved.length === 0) return;
    const sorted = [...moved].sort(([a], [b]) => byText(a, b));
    await tx`INSERT INTO cart_stages (cart_id, stage, entered_at)
      SELECT * FROM unnest(
        ${sorted.map(([id]) => id)}::text[], ${sorted.map(([, stage]) => stage)}::text[],
        ${sorted.map(([, , at]) => at)}::bigint[]
      )
      ON CONFLICT (cart_id) DO UPDATE SET stage = excluded.stage, entered_at = excluded.entered_at`;
  }

  /**
   * Bucket counts are a list per hour and stage, added to in JS: each row is first made to exist and
   * locked (an upsert that changes nothing returns the stored list under a row lock), then written
   * back, so two instances adding to one hour never lose each other's counts.
   */
  private async addTimes(tx: Tx, times: readonly StageTimeTally[]): Promise<void> {
    if (times.length === 0) return;
    const sorted = [...times].sort((a, b) => a.hour - b.hour || byText(a.stage, b.stage));
    const stored = await tx<{ hour: number; stage: string; buckets: string }[]>`
      INSERT INTO stage_hours (hour, stage, buckets)
      SELECT hour, stage, '[]' FROM unnest(
        ${sorted.map((t) => t.hour)}::bigint[], ${sorted.map((t) => t.stage)}::text[]
      ) AS u(hour, stage)
      ON CONFLICT (hour, stage) DO UPDATE SET buckets = stage_hours.buckets
      RETURNING hour, stage, buckets`;
    const current = new Map(stored.map((r) => [`${r.hour}\u0000${r.stage}`, parseBucketCounts(r.buckets)]));
    const lists = sorted.map((t) =>
      JSON.stringify(addBucketCounts(current.get(`${t.hour}\u0000${t.stage}`) ?? [], t.buckets)),
    );
    await tx`UPDATE stage_hours SET buckets = u.buckets
      FROM unnest(
        ${sorted.map((t) => t.hour)}::bigint[], ${sorted.map((t) => t.stage)}::text[], ${lists}::text[]
      ) AS u(hour, stage, buckets)
      WHERE stage_hours.hour = u.hour AND stage_hours.stage = u.stage`;
  }
}

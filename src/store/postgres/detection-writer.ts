import { SLA_EXCEEDED, silentSourceKey } from '../../domain/sweep-rules.js';
import type { DetectionBatch, DetectionChange, DetectionOutcome } from '../exception-types.js';
import {
  countRaise,
  countResolved,
  emptyDetectionOutcome,
  SETTLED_BY_SUCCESS,
} from '../shared/exception-plans.js';
import { type Sql, type Tx, transaction } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';
import type { NoiseWriter } from './noise-writer.js';
import type { TrendWriter } from './trend-writer.js';

type ProgressChange = Extract<DetectionChange, { type: 'progress' }>;
type ResolveChange = Extract<DetectionChange, { type: 'resolve' }>;

/**
 * Applies a detection batch in one transaction, exactly once across instances: the 'detector' cursor
 * row is locked and compared with where the batch was read from; a batch read after a cursor that has
 * since moved was applied by someone else, and changes nothing.
 */
export class DetectionWriter {
  constructor(
    private readonly sql: Sql,
    private readonly exceptions: ExceptionWriter,
    private readonly noise: NoiseWriter,
    private readonly trends: TrendWriter,
  ) {}

  applyDetection(batch: DetectionBatch): Promise<DetectionOutcome> {
    return transaction(this.sql, async (tx) => {
      const outcome = emptyDetectionOutcome();
      if (!(await this.claimRange(tx, batch.from))) return outcome;
      await this.lockLiveKeys(tx, batch.changes);
      const progress: ProgressChange[] = [];
      let successes: ResolveChange[] = [];
      for (const change of batch.changes) {
        if (change.type === 'progress') progress.push(change);
        else if (change.type === 'resolve') successes.push(change);
        else {
          // Successes settle what was raised before them, never what comes after: in order.
          await this.settleSuccesses(tx, successes, batch.now, outcome);
          successes = [];
          await this.applyChange(tx, change, batch.now, outcome);
        }
      }
      await this.settleSuccesses(tx, successes, batch.now, outcome);
      await this.settleStalls(tx, progress, batch.now, outcome);
      outcome.suppressed = await this.noise.suppress(tx, batch.suppressed ?? []);
      await this.noise.tally(tx, batch.rateTallies ?? []);
      if (batch.rollup) await this.trends.recordDetection(tx, batch.rollup);
      await tx`UPDATE cursors SET value = ${batch.cursor} WHERE name = 'detector'`;
      return outcome;
    });
  }

  /** Locks the cursor until commit; true when it still stands where the batch was read from. */
  private async claimRange(tx: Tx, from: string): Promise<boolean> {
    const [cursor] = await tx<{ value: string }[]>`
      SELECT value FROM cursors WHERE name = 'detector' FOR UPDATE`;
    return cursor?.value === from;
  }

  /**
   * The live exceptions the batch raises again, locked up front in dedup-key order: a sweep or a
   * person's action locking some of the same rows then waits rather than deadlocks.
   */
  private async lockLiveKeys(tx: Tx, changes: readonly DetectionChange[]): Promise<void> {
    const keys = [...new Set(changes.flatMap((c) => (c.type === 'raise' ? [c.facts.dedupKey] : [])))];
    if (keys.length === 0) return;
    await tx`SELECT id FROM exceptions WHERE dedup_key = ANY(${keys}::text[]) AND state != 'resolved'
      ORDER BY dedup_key FOR UPDATE`;
  }

  /**
   * Progress ends the SLA stalls of its carts that it came after. A batch carries one progress per
   * cart it touched, thousands under load: they are looked up in one statement, not one each.
   */
  private async settleStalls(
    tx: Tx,
    progress: readonly ProgressChange[],
    now: number,
    outcome: DetectionOutcome,
  ): Promise<void> {
    if (progress.length === 0) return;
    const rows = await tx<{ id: number }[]>`
      SELECT e.id FROM exceptions e
        JOIN unnest(${progress.map((p) => p.cartId)}::text[], ${progress.map((p) => p.at)}::bigint[])
          AS p (cart_id, at) ON e.cart_id = p.cart_id
      WHERE e.state != 'resolved' AND e.kind = 'stalled' AND e.error_code = ${SLA_EXCEEDED}
        AND e.last_seen_at <= p.at
      ORDER BY e.id FOR UPDATE OF e`;
    for (const { id } of rows)
      countResolved(outcome, await this.exceptions.resolveAutomatically(tx, id, now));
  }

  /**
   * A success resolves its cart's open failures in its stage that came before it. Nearly every event
   * is a success, so a run of them between two raises is looked up in one statement (a round trip
   * each kept detection seconds behind under load).
   */
  private async settleSuccesses(
    tx: Tx,
    successes: readonly ResolveChange[],
    now: number,
    outcome: DetectionOutcome,
  ): Promise<void> {
    if (successes.length === 0) return;
    const carts = successes.map((s) => s.cartId);
    const rows = await tx<{ id: number }[]>`
      SELECT e.id FROM exceptions e
      WHERE e.cart_id = ANY(${carts}::text[]) AND e.state != 'resolved'
        AND e.kind = ANY(${[...SETTLED_BY_SUCCESS]}::text[])
        AND EXISTS (
          SELECT 1 FROM unnest(${carts}::text[], ${successes.map((s) => s.stage)}::text[],
            ${successes.map((s) => s.at)}::bigint[]) AS s (cart_id, stage, at)
          WHERE s.cart_id = e.cart_id AND s.stage = e.stage AND e.last_seen_at <= s.at)
      ORDER BY e.id FOR UPDATE OF e`;
    for (const { id } of rows)
      countResolved(outcome, await this.exceptions.resolveAutomatically(tx, id, now));
  }

  private async applyChange(
    tx: Tx,
    change: DetectionChange,
    now: number,
    outcome: DetectionOutcome,
  ): Promise<void> {
    switch (change.type) {
      case 'raise': {
        const result = await this.exceptions.raise(tx, change.facts, change.routing, change.at, now);
        countRaise(outcome, result);
        return;
      }
      case 'resolve':
        return this.settleSuccesses(tx, [change], now, outcome);
      case 'progress':
        return this.settleStalls(tx, [change], now, outcome);
      case 'source_seen':
        countResolved(outcome, await this.exceptions.resolveLive(tx, silentSourceKey(change.source), now));
        return;
    }
  }
}

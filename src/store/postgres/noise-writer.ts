import { type RateTally, sameRateState } from '../../domain/rates.js';
import type { Suppressed } from '../../domain/suppression.js';
import type { SweepOutcome } from '../exception-types.js';
import type { RateStep } from '../noise-types.js';
import { type RateStateRow, toRateState } from '../rows/noise-rows.js';
import { countResolved } from '../shared/exception-plans.js';
import { countRateRaise, redrawsRateFigures } from '../shared/rate-steps.js';
import type { Tx } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';
import type { HeldFacts } from './silence-gate.js';

/**
 * Noise bookkeeping, inside the transactions of detection and the sweep: suppressed failures marked
 * and counted, rate rules' per-minute counts, and each rule's state and `rate` exception. The
 * decisions are made in domain/ (suppression.ts, rates.ts); this only persists them. Counts are
 * upserts that add, so instances counting the same minute at once lose nothing; each statement
 * takes a whole batch, its rows in key order so concurrent batches lock alike.
 */
export class NoiseWriter {
  constructor(private readonly exceptions: ExceptionWriter) {}

  /** Returns how many failures were held back. */
  async suppress(tx: Tx, items: readonly Suppressed[]): Promise<number> {
    const marked = items.flatMap((item) => (item.seq === undefined ? [] : [item]));
    if (marked.length > 0) {
      await tx`UPDATE events SET suppressed = u.reason
        FROM unnest(${marked.map((i) => i.seq as number)}::bigint[], ${marked.map((i) => i.reason)}::text[])
          AS u(seq, reason)
        WHERE events.seq = u.seq`;
    }
    const counts = sumByKey(
      items,
      (i) => [i.minute, i.team, i.reason],
      () => 1,
    );
    if (counts.length > 0) {
      await tx`INSERT INTO suppressed_counts (minute, team, reason, n)
        SELECT * FROM unnest(${column(counts, 0)}::bigint[], ${column(counts, 1)}::text[],
          ${column(counts, 2)}::text[], ${counts.map((c) => c.n)}::int[])
        ON CONFLICT (minute, team, reason) DO UPDATE SET n = suppressed_counts.n + excluded.n`;
    }
    return items.length;
  }

  async tally(tx: Tx, tallies: readonly RateTally[]): Promise<void> {
    if (tallies.length === 0) return;
    const attempts = sumByKey(
      tallies,
      (t) => [t.rule, t.minute],
      (t) => t.attempts,
    );
    const failures = sumByKey(
      tallies,
      (t) => [t.rule, t.minute],
      (t) => t.failures,
    );
    await tx`INSERT INTO rate_counts (rule, minute, attempts, failures)
      SELECT * FROM unnest(${column(attempts, 0)}::text[], ${column(attempts, 1)}::bigint[],
        ${attempts.map((c) => c.n)}::int[], ${failures.map((c) => c.n)}::int[])
      ON CONFLICT (rule, minute) DO UPDATE SET attempts = rate_counts.attempts + excluded.attempts,
        failures = rate_counts.failures + excluded.failures`;
    const perCode = tallies.flatMap((t) =>
      Object.entries(t.codes).map(([code, n]) => ({ rule: t.rule, minute: t.minute, code, n })),
    );
    const codes = sumByKey(
      perCode,
      (c) => [c.rule, c.minute, c.code],
      (c) => c.n,
    );
    if (codes.length === 0) return;
    await tx`INSERT INTO rate_errors (rule, minute, code, n)
      SELECT * FROM unnest(${column(codes, 0)}::text[], ${column(codes, 1)}::bigint[],
        ${column(codes, 2)}::text[], ${codes.map((c) => c.n)}::int[])
      ON CONFLICT (rule, minute, code) DO UPDATE SET n = rate_errors.n + excluded.n`;
  }

  /**
   * One rule's step, if its state is still what the sweep read. The state's row is locked first, so
   * two instances sweeping at once apply the step once: the second finds the state moved.
   */
  async applyRateStep(tx: Tx, step: RateStep, now: number, outcome: SweepOutcome): Promise<void> {
    await tx`INSERT INTO rate_states (rule) VALUES (${step.rule}) ON CONFLICT (rule) DO NOTHING`;
    const [row] = await tx<RateStateRow[]>`
      SELECT breached_at, calm_since FROM rate_states WHERE rule = ${step.rule} FOR UPDATE`;
    if (!sameRateState(toRateState(row), step.from)) return;
    await tx`UPDATE rate_states SET breached_at = ${step.to.breachedAt ?? null},
      calm_since = ${step.to.calmSince ?? null} WHERE rule = ${step.rule}`;
    if (step.raise) {
      const { facts, routing, figures } = step.raise;
      const result = await this.exceptions.raise(tx, facts, routing, now, now, { repeat: false });
      // Rendered when sent, so the figures stored now are what the first post shows.
      await this.setFigures(tx, facts.dedupKey, JSON.stringify(figures), facts.errorMessage ?? '', now);
      countRateRaise(outcome, step.rule, result);
    }
    if (step.update) {
      const { dedupKey, figures, summary } = step.update;
      const live = await this.setFigures(tx, dedupKey, JSON.stringify(figures), summary, now);
      if (live && redrawsRateFigures(live, await this.exceptions.silences.isHeld(tx, live)))
        await this.exceptions.outbox.rerender(tx, live.id, live.channel, now);
    }
    if (step.resolve)
      countResolved(outcome, await this.exceptions.resolveLive(tx, step.resolve.dedupKey, now));
  }

  /** Per-minute counts older than `cutoff` (the rate baseline reaches back 7 days). */
  async pruneBefore(tx: Tx, cutoff: number): Promise<number> {
    const suppressed = await tx`DELETE FROM suppressed_counts WHERE minute < ${cutoff}`;
    const counts = await tx`DELETE FROM rate_counts WHERE minute < ${cutoff}`;
    const codes = await tx`DELETE FROM rate_errors WHERE minute < ${cutoff}`;
    return suppressed.count + counts.count + codes.count;
  }

  private async setFigures(
    tx: Tx,
    dedupKey: string,
    details: string,
    summary: string,
    now: number,
  ): Promise<(HeldFacts & { channel: string }) | undefined> {
    const [live] = await tx<(HeldFacts & { channel: string })[]>`
      UPDATE exceptions SET details = ${details}, error_message = ${summary},
        last_seen_at = greatest(last_seen_at, ${now})
      WHERE dedup_key = ${dedupKey} AND state != 'resolved'
      RETURNING id, channel, silence_id, slack_ts, group_id`;
    return live;
  }
}

type Key = readonly (string | number)[];

/**
 * Rows summed by key, in key order: one statement may not upsert a row twice, and sorted rows make
 * concurrent upserts of the same keys wait on each other instead of deadlocking.
 */
function sumByKey<T>(
  items: readonly T[],
  keyOf: (item: T) => Key,
  amountOf: (item: T) => number,
): { key: Key; n: number }[] {
  const sums = new Map<string, { key: Key; n: number }>();
  for (const item of items) {
    const key = keyOf(item);
    const id = JSON.stringify(key);
    const entry = sums.get(id) ?? { key, n: 0 };
    entry.n += amountOf(item);
    sums.set(id, entry);
  }
  return [...sums.values()].sort((a, b) => compareKeys(a.key, b.key));
}

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function column<T extends string | number>(rows: readonly { key: Key }[], index: number): T[] {
  return rows.map((row) => row.key[index] as T);
}

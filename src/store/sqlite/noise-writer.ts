import type Database from 'better-sqlite3';
import { type RateTally, sameRateState } from '../../domain/rates.js';
import type { Suppressed } from '../../domain/suppression.js';
import type { SweepOutcome } from '../exception-types.js';
import type { RateStep } from '../noise-types.js';
import { type RateStateRow, toRateState } from '../rows/noise-rows.js';
import { countRateRaise, redrawsRateFigures } from '../shared/rate-steps.js';
import { countResolved, type ExceptionWriter } from './exception-writer.js';
import type { HeldFacts } from './silence-gate.js';

/**
 * Noise bookkeeping, inside the transactions of detection and the sweep: suppressed failures marked
 * and counted, rate rules' per-minute counts, and each rule's state and `rate` exception. The
 * decisions are made in domain/ (suppression.ts, rates.ts); this only persists them.
 */
export class NoiseWriter {
  private readonly s;

  constructor(
    db: Database.Database,
    private readonly exceptions: ExceptionWriter,
  ) {
    this.s = {
      markEvent: db.prepare('UPDATE events SET suppressed = ? WHERE seq = ?'),
      countSuppressed: db.prepare(`INSERT INTO suppressed_counts (minute, team, reason, n) VALUES (?, ?, ?, 1)
        ON CONFLICT (minute, team, reason) DO UPDATE SET n = n + 1`),
      tally: db.prepare(`INSERT INTO rate_counts (rule, minute, attempts, failures) VALUES (?, ?, ?, ?)
        ON CONFLICT (rule, minute) DO UPDATE SET attempts = attempts + excluded.attempts,
          failures = failures + excluded.failures`),
      tallyCode: db.prepare(`INSERT INTO rate_errors (rule, minute, code, n) VALUES (?, ?, ?, ?)
        ON CONFLICT (rule, minute, code) DO UPDATE SET n = n + excluded.n`),
      state: db.prepare<[string], RateStateRow>(
        'SELECT breached_at, calm_since FROM rate_states WHERE rule = ?',
      ),
      setState: db.prepare(`INSERT INTO rate_states (rule, breached_at, calm_since) VALUES (?, ?, ?)
        ON CONFLICT (rule) DO UPDATE SET breached_at = excluded.breached_at, calm_since = excluded.calm_since`),
      setFigures: db.prepare<[string, string, number, string], HeldFacts & { channel: string }>(
        `UPDATE exceptions SET details = ?, error_message = ?, last_seen_at = max(last_seen_at, ?)
         WHERE dedup_key = ? AND state != 'resolved' RETURNING id, channel, silence_id, slack_ts, group_id`,
      ),
      pruneSuppressed: db.prepare('DELETE FROM suppressed_counts WHERE minute < ?'),
      pruneCounts: db.prepare('DELETE FROM rate_counts WHERE minute < ?'),
      pruneCodes: db.prepare('DELETE FROM rate_errors WHERE minute < ?'),
    };
  }

  /** Returns how many failures were held back. */
  suppress(items: readonly Suppressed[]): number {
    for (const item of items) {
      if (item.seq !== undefined) this.s.markEvent.run(item.reason, item.seq);
      this.s.countSuppressed.run(item.minute, item.team, item.reason);
    }
    return items.length;
  }

  tally(tallies: readonly RateTally[]): void {
    for (const t of tallies) {
      this.s.tally.run(t.rule, t.minute, t.attempts, t.failures);
      for (const [code, n] of Object.entries(t.codes)) this.s.tallyCode.run(t.rule, t.minute, code, n);
    }
  }

  /** One rule's step, if its state is still what the sweep read. */
  applyRateStep(step: RateStep, now: number, outcome: SweepOutcome): void {
    if (!sameRateState(toRateState(this.s.state.get(step.rule)), step.from)) return;
    this.s.setState.run(step.rule, step.to.breachedAt ?? null, step.to.calmSince ?? null);
    if (step.raise) {
      const { facts, routing, figures } = step.raise;
      // Rendered when sent, so the figures stored now are what the first post shows.
      const result = this.exceptions.raise(facts, routing, now, now, { repeat: false });
      this.s.setFigures.get(JSON.stringify(figures), facts.errorMessage ?? '', now, facts.dedupKey);
      countRateRaise(outcome, step.rule, result);
    }
    if (step.update) {
      const { dedupKey, figures, summary } = step.update;
      const live = this.s.setFigures.get(JSON.stringify(figures), summary, now, dedupKey);
      if (live && redrawsRateFigures(live, this.exceptions.silences.isHeld(live)))
        this.exceptions.outbox.rerender(live.id, live.channel, now);
    }
    if (step.resolve) countResolved(outcome, this.exceptions.resolveLive(step.resolve.dedupKey, now));
  }

  /** Per-minute counts older than `cutoff` (the rate baseline reaches back 7 days). */
  pruneBefore(cutoff: number): number {
    return (
      this.s.pruneSuppressed.run(cutoff).changes +
      this.s.pruneCounts.run(cutoff).changes +
      this.s.pruneCodes.run(cutoff).changes
    );
  }
}

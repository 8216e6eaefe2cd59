import type Database from 'better-sqlite3';
import type { ExceptionFacts } from '../../domain/exception.js';
import { ALL_TEAMS, type Silence, silenceHolds } from '../../domain/silence.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { isHeldBack } from '../shared/outbox-plans.js';

/** What tells whether an exception is held back: its silence, and whether it has a message. */
export type HeldFacts = Pick<ExceptionRow, 'id' | 'silence_id' | 'slack_ts' | 'group_id'>;

import { type SilenceRow, toSilence } from '../rows/silence-rows.js';

/**
 * What the exception writer asks about silences: does one hold back an exception being raised, and
 * is an exception still held back (no message of its own, and none coming, so nothing to redraw).
 * Which silence holds is decided in domain/silence.ts.
 */
export class SilenceGate {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      // The partial index on unsummarised silences keeps this to the few not yet over.
      live: db.prepare<[number, number, string, string], SilenceRow>(
        `SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ? AND starts_at <= ?
           AND ended_at IS NULL AND team IN (?, ?) ORDER BY id`,
      ),
      hasPost: db.prepare<[number], { found: number }>(
        "SELECT 1 AS found FROM outbox WHERE exception_id = ? AND kind = 'post' LIMIT 1",
      ),
    };
  }

  /** The silence that holds back an exception with these facts, raised for `team` at `now`. */
  holding(facts: ExceptionFacts, team: string, now: number): Silence | undefined {
    const subject = {
      stage: facts.stage,
      step: facts.step,
      kind: facts.kind,
      team,
      ...(facts.source !== undefined && { source: facts.source }),
      ...(facts.errorCode !== undefined && { errorCode: facts.errorCode }),
    };
    return this.s.live
      .all(now, now, team, ALL_TEAMS)
      .map(toSilence)
      .find((silence) => silenceHolds(silence, subject, now));
  }

  /** Raised under a silence and not shown anywhere yet (its silence's end, or a handoff, shows it). */
  isHeld(row: HeldFacts): boolean {
    if (!isHeldBack(row, false)) return false;
    return isHeldBack(row, this.s.hasPost.get(row.id) !== undefined);
  }
}

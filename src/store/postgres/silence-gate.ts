import type { ExceptionFacts } from '../../domain/exception.js';
import { ALL_TEAMS, type Silence, silenceHolds } from '../../domain/silence.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { type SilenceRow, toSilence } from '../rows/silence-rows.js';
import { isHeldBack } from '../shared/outbox-plans.js';
import type { Tx } from './connection.js';

/** What tells whether an exception is held back: its silence, and whether it has a message. */
export type HeldFacts = Pick<ExceptionRow, 'id' | 'silence_id' | 'slack_ts' | 'group_id'>;

/**
 * What the exception writer asks about silences: does one hold back an exception being raised, and
 * is an exception still held back. Which silence holds is decided in domain/silence.ts, what "held
 * back" means in store/shared/outbox-plans.ts.
 */
export class SilenceGate {
  /** The silence that holds back an exception with these facts, raised for `team` at `now`. */
  async holding(tx: Tx, facts: ExceptionFacts, team: string, now: number): Promise<Silence | undefined> {
    const subject = {
      stage: facts.stage,
      step: facts.step,
      kind: facts.kind,
      team,
      ...(facts.source !== undefined && { source: facts.source }),
      ...(facts.errorCode !== undefined && { errorCode: facts.errorCode }),
    };
    // The partial index on unsummarised silences keeps this to the few not yet over. Each is locked
    // (shared) until this exception is stored: a sweep telling a silence's end skips one locked so
    // (and tells it next time, with this exception), and one already telling it makes this wait and
    // then see it over, so nothing is held back by a silence whose end was told without it.
    const rows = await tx<SilenceRow[]>`
      SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ${now} AND starts_at <= ${now}
        AND ended_at IS NULL AND team IN (${team}, ${ALL_TEAMS}) ORDER BY id FOR SHARE`;
    return rows.map(toSilence).find((silence) => silenceHolds(silence, subject, now));
  }

  /** Raised under a silence and not shown anywhere yet (its silence's end, or a handoff, shows it). */
  async isHeld(tx: Tx, row: HeldFacts): Promise<boolean> {
    // Only a row that would be held without a post needs the outbox asked.
    if (!isHeldBack(row, false)) return false;
    const [post] = await tx`SELECT 1 FROM outbox WHERE exception_id = ${row.id} AND kind = 'post' LIMIT 1`;
    return isHeldBack(row, post !== undefined);
  }
}

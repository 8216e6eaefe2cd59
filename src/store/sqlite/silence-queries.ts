import type Database from 'better-sqlite3';
import { matches, type NoiseMatch } from '../../domain/noise.js';
import type { Silence } from '../../domain/silence.js';
import { activeByTeam, silenceIsActive } from '../../domain/silence-lifecycle.js';
import { SUBJECT_FIELDS, type SubjectRow, toNoiseSubject } from '../rows/noise-rows.js';
import { type SilenceRow, toSilence } from '../rows/silence-rows.js';
import type { ActiveSilence, SilenceAuditEntry, SilencedCount, SilencePreview } from '../silence-types.js';

const DAY = 86_400_000;

/** Reads about silences, on the store's reading connection. Matching itself is domain/noise.ts. */
export class SilenceQueries {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      byId: db.prepare<[number], SilenceRow>('SELECT * FROM silences WHERE id = ?'),
      // Not yet over, through the partial index; which of them hold now is the domain's.
      unsummarised: db.prepare<[number], SilenceRow>(
        'SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ? ORDER BY ends_at, id',
      ),
      heldOpen: db.prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM exceptions WHERE silence_id = ? AND state != 'resolved'",
      ),
      liveOfTeam: db.prepare<[string], SubjectRow>(
        `SELECT ${SUBJECT_FIELDS} FROM exceptions WHERE team = ? AND state != 'resolved'`,
      ),
      // Through the audit trail's time index: the cost is what was raised in the window, not all kept.
      openedSince: db.prepare<[number, string], SubjectRow>(
        `SELECT e.stage, e.step, e.source, e.error_code, e.kind, e.team FROM exception_audit a
         JOIN exceptions e ON e.id = a.exception_id WHERE a.at >= ? AND a.action = 'opened' AND e.team = ?`,
      ),
      // Silences that overlapped the window, each with the team's exceptions it held back in it
      // (by when they were opened: a released exception counts as raised again when posted).
      silencedOfTeam: db.prepare<{ team: string; from: number; to: number }, SilenceRow & { n: number }>(
        `SELECT s.*, count(*) AS n FROM silences s
         JOIN exceptions e ON e.silence_id = s.id
         JOIN exception_audit a ON a.exception_id = e.id AND a.action = 'opened'
         WHERE s.starts_at < @to AND s.ends_at >= @from AND e.team = @team AND a.at >= @from AND a.at < @to
         GROUP BY s.id ORDER BY n DESC, s.id`,
      ),
      silencedByTeam: db.prepare<[], { team: string; n: number }>(
        'SELECT team, count(*) AS n FROM exceptions WHERE silence_id IS NOT NULL GROUP BY team',
      ),
      audit: db.prepare<
        [number],
        { silence_id: number; at: number; actor: string; action: string; note: string | null }
      >('SELECT silence_id, at, actor, action, note FROM silence_audit WHERE silence_id = ? ORDER BY id'),
    };
  }

  find(id: number) {
    const row = this.s.byId.get(id);
    return row === undefined ? null : toSilence(row);
  }

  /** Holding now, soonest to end first, each with how many open exceptions it holds back. */
  active(now: number): ActiveSilence[] {
    return this.holding(now).map((silence) => ({
      ...silence,
      heldOpen: this.s.heldOpen.get(silence.id)?.n ?? 0,
    }));
  }

  /** How many of the team's exceptions a match names: open now, and raised in the last day. */
  preview(team: string, match: NoiseMatch, now: number): SilencePreview {
    const count = (rows: SubjectRow[]) => rows.filter((row) => matches(match, toNoiseSubject(row))).length;
    return {
      open: count(this.s.liveOfTeam.all(team)),
      lastDay: count(this.s.openedSince.all(now - DAY, team)),
    };
  }

  /**
   * Read back as what they were when raised, whether released since or not: the digest counts what
   * each silence held back in its window.
   */
  silencedOfTeam(team: string, from: number, to: number): SilencedCount[] {
    return this.s.silencedOfTeam
      .all({ team, from, to })
      .map(({ n, ...row }) => ({ silence: toSilence(row), count: n }));
  }

  /** Exceptions raised under a silence, by team, and silences holding now, by team (metrics). */
  counts(now: number): {
    silenced: { team: string; count: number }[];
    active: { team: string; count: number }[];
  } {
    return {
      silenced: this.s.silencedByTeam.all().map((row) => ({ team: row.team, count: row.n })),
      active: activeByTeam(this.holding(now)),
    };
  }

  private holding(now: number): Silence[] {
    return this.s.unsummarised
      .all(now)
      .map(toSilence)
      .filter((silence) => silenceIsActive(silence, now));
  }

  audit(id: number): SilenceAuditEntry[] {
    return this.s.audit.all(id).map((row) => ({
      silenceId: row.silence_id,
      at: row.at,
      actor: row.actor,
      action: row.action as SilenceAuditEntry['action'],
      ...(row.note !== null && { note: row.note }),
    }));
  }
}

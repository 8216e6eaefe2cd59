import { matches, type NoiseMatch } from '../../domain/noise.js';
import type { Silence } from '../../domain/silence.js';
import { activeByTeam, silenceIsActive } from '../../domain/silence-lifecycle.js';
import { SUBJECT_FIELDS, type SubjectRow, toNoiseSubject } from '../rows/noise-rows.js';
import { type SilenceRow, toSilence } from '../rows/silence-rows.js';
import type { ActiveSilence, SilenceAuditEntry, SilencedCount, SilencePreview } from '../silence-types.js';
import type { Sql } from './connection.js';

const DAY = 86_400_000;

interface AuditRow {
  silence_id: number;
  at: number;
  actor: string;
  action: string;
  note: string | null;
}

/** Reads about silences, on the pool. Matching itself is domain/noise.ts, holding domain/silence-lifecycle.ts. */
export class SilenceQueries {
  constructor(private readonly sql: Sql) {}

  async find(id: number): Promise<Silence | null> {
    const [row] = await this.sql<SilenceRow[]>`SELECT * FROM silences WHERE id = ${id}`;
    return row === undefined ? null : toSilence(row);
  }

  /** Holding now, soonest to end first, each with how many open exceptions it holds back. */
  async active(now: number): Promise<ActiveSilence[]> {
    const rows = await this.sql<(SilenceRow & { held_open: number })[]>`
      SELECT s.*, (SELECT count(*) FROM exceptions e WHERE e.silence_id = s.id AND e.state != 'resolved')
        AS held_open
      FROM silences s WHERE s.summarised_at IS NULL AND s.ends_at > ${now} ORDER BY s.ends_at, s.id`;
    return rows.flatMap(({ held_open, ...row }) => {
      const silence = toSilence(row);
      return silenceIsActive(silence, now) ? [{ ...silence, heldOpen: held_open }] : [];
    });
  }

  /** How many of the team's exceptions a match names: open now, and raised in the last day. */
  async preview(team: string, match: NoiseMatch, now: number): Promise<SilencePreview> {
    const fields = this.sql.unsafe(SUBJECT_FIELDS);
    const [open, lastDay] = await Promise.all([
      this.sql<SubjectRow[]>`SELECT ${fields} FROM exceptions WHERE team = ${team} AND state != 'resolved'`,
      // Through the audit trail's time index: the cost is what was raised in the window, not all kept.
      this.sql<SubjectRow[]>`
        SELECT e.stage, e.step, e.source, e.error_code, e.kind, e.team FROM exception_audit a
        JOIN exceptions e ON e.id = a.exception_id
        WHERE a.at >= ${now - DAY} AND a.action = 'opened' AND e.team = ${team}`,
    ]);
    const count = (rows: readonly SubjectRow[]) =>
      rows.filter((row) => matches(match, toNoiseSubject(row))).length;
    return { open: count(open), lastDay: count(lastDay) };
  }

  /**
   * Read back as what they were when raised, whether released since or not: the digest counts what
   * each silence held back in its window (by when they were opened).
   */
  async silencedOfTeam(team: string, from: number, to: number): Promise<SilencedCount[]> {
    const rows = await this.sql<(SilenceRow & { n: number })[]>`
      SELECT s.*, count(*) AS n FROM silences s
      JOIN exceptions e ON e.silence_id = s.id
      JOIN exception_audit a ON a.exception_id = e.id AND a.action = 'opened'
      WHERE s.starts_at < ${to} AND s.ends_at >= ${from} AND e.team = ${team} AND a.at >= ${from} AND a.at < ${to}
      GROUP BY s.id ORDER BY n DESC, s.id`;
    return rows.map(({ n, ...row }) => ({ silence: toSilence(row), count: n }));
  }

  /** Exceptions raised under a silence, by team, and silences holding now, by team (metrics). */
  async counts(now: number): Promise<{
    silenced: { team: string; count: number }[];
    active: { team: string; count: number }[];
  }> {
    const [silenced, unsummarised] = await Promise.all([
      this.sql<{ team: string; count: number }[]>`
        SELECT team, count(*) AS count FROM exceptions WHERE silence_id IS NOT NULL
        GROUP BY team ORDER BY team COLLATE "C"`,
      this.sql<SilenceRow[]>`
        SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ${now} ORDER BY ends_at, id`,
    ]);
    const holding = unsummarised.map(toSilence).filter((s) => silenceIsActive(s, now));
    return {
      silenced: silenced.map(({ team, count }) => ({ team, count })),
      active: activeByTeam(holding),
    };
  }

  async audit(id: number): Promise<SilenceAuditEntry[]> {
    const rows = await this.sql<AuditRow[]>`
      SELECT silence_id, at, actor, action, note FROM silence_audit WHERE silence_id = ${id} ORDER BY id`;
    return rows.map((row) => ({
      silenceId: row.silence_id,
      at: row.at,
      actor: row.actor,
      action: row.action as SilenceAuditEntry['action'],
      ...(row.note !== null && { note: row.note }),
    }));
  }
}

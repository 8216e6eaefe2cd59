import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import { groupKeyOf, SYSTEM_ACTOR } from '../../domain/exception.js';
import { ALL_TEAMS, canonicalMatch, MAINTENANCE_ACTOR } from '../../domain/silence.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import { type SilenceRow, toSilence } from '../rows/silence-rows.js';
import type {
  EndSilenceInput,
  EndSilenceOutcome,
  HoldBackInput,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceOutcome,
} from '../silence-types.js';
import type { ExceptionWriter } from './exception-writer.js';
import { SnoozeWriter } from './snooze-writer.js';

/**
 * Silences, each change with its audit entry and the Slack writes it causes. A
 * silence's end is acted on once: what it held back is placed (posted, or formed into a storm) in
 * the same transaction that records its summary and marks it summarised.
 */
export class SilenceWriter {
  private readonly s;
  readonly snoozes: SnoozeWriter;

  constructor(
    private readonly db: Database.Database,
    private readonly exceptions: ExceptionWriter,
    private readonly policy: DuePolicy,
  ) {
    this.snoozes = new SnoozeWriter(db, exceptions, policy);
    this.s = {
      byId: db.prepare<[number], SilenceRow>('SELECT * FROM silences WHERE id = ?'),
      identical: db.prepare<[number, string, string, number], SilenceRow>(
        `SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ? AND team = ? AND match = ?
           AND starts_at <= ? AND ended_at IS NULL AND maintenance IS NULL ORDER BY ends_at DESC LIMIT 1`,
      ),
      insert: db.prepare(
        `INSERT INTO silences (team, match, reason, created_by, created_at, starts_at, ends_at, maintenance)
         VALUES (@team, @match, @reason, @createdBy, @at, @startsAt, @endsAt, @maintenance)
         ON CONFLICT (maintenance) DO NOTHING`,
      ),
      extend: db.prepare('UPDATE silences SET ends_at = ? WHERE id = ?'),
      end: db.prepare(
        'UPDATE silences SET ended_at = ?, ended_by = ?, ends_at = min(ends_at, ?) WHERE id = ?',
      ),
      audit: db.prepare(
        'INSERT INTO silence_audit (silence_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?)',
      ),
      // Over (ran out or ended) and not yet told: the partial index holds only unsummarised ones.
      due: db.prepare<[number, number], SilenceRow>(
        'SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at <= ? ORDER BY ends_at, id LIMIT ?',
      ),
      summarise: db.prepare(
        `UPDATE silences SET summarised_at = ?, ended_at = coalesce(ended_at, ends_at)
         WHERE id = ? AND summarised_at IS NULL`,
      ),
      heldBy: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE silence_id = ? ORDER BY id'),
      // Released: it counts as raised now, so storms and escalation count from when people see it.
      release: db.prepare('UPDATE exceptions SET group_key = ?, raised_at = ?, escalate_at = ? WHERE id = ?'),
      deferStall: db.prepare('UPDATE carts SET stall_due_at = ? WHERE cart_id = ? AND stall_due_at = ?'),
      deferExpectation: db.prepare(
        'UPDATE expectations SET due_at = ? WHERE cart_id = ? AND rule = ? AND due_at = ?',
      ),
    };
  }

  /** A new silence, or a longer life for an active one with the same team and match. */
  create(input: NewSilence): SilenceOutcome {
    return this.db.transaction((): SilenceOutcome => {
      const match = canonicalMatch(input.match);
      const same = this.s.identical.get(input.at, input.team, match, input.at);
      if (same !== undefined) {
        if (input.endsAt <= same.ends_at) return { action: 'unchanged', silence: toSilence(same) };
        this.s.extend.run(input.endsAt, same.id);
        const until = new Date(input.endsAt).toISOString();
        this.s.audit.run(same.id, input.at, input.createdBy, 'extended', `until ${until}: ${input.reason}`);
        return this.told('extended', same.id, input);
      }
      const id = Number(
        this.s.insert.run({ ...input, match, startsAt: input.at, maintenance: null }).lastInsertRowid,
      );
      this.s.audit.run(id, input.at, input.createdBy, 'created', input.reason);
      return this.told('created', id, input);
    })();
  }

  private told(action: 'created' | 'extended', id: number, input: NewSilence): SilenceOutcome {
    const silence = toSilence(this.s.byId.get(id) as SilenceRow);
    const note = { type: 'started' as const, silence, extended: action === 'extended' };
    if (input.channel !== undefined) this.exceptions.outbox.silence(input.channel, note, input.at);
    return { action, silence };
  }

  /** Ends it now; the next sweep tells its end and posts what it held back. */
  end(input: EndSilenceInput): EndSilenceOutcome {
    return this.db.transaction((): EndSilenceOutcome => {
      const row = this.s.byId.get(input.id);
      if (row === undefined) return { ok: false, reason: 'not_found' };
      if (row.ended_at !== null || row.summarised_at !== null || row.ends_at <= input.at)
        return { ok: false, reason: 'already_ended', silence: toSilence(row) };
      this.s.end.run(input.at, input.actor, input.at, row.id);
      this.s.audit.run(row.id, input.at, input.actor, 'ended', 'ended early');
      return { ok: true, silence: toSilence(this.s.byId.get(row.id) as SilenceRow) };
    })();
  }

  /** Records maintenance occurrences, wakes snoozes that ran out, and settles silences that ended. */
  sweep(input: NoiseSweepInput): NoiseSweepOutcome {
    return this.db.transaction((): NoiseSweepOutcome => {
      for (const occurrence of input.maintenance) this.open(occurrence, input.now);
      const snoozesEnded = this.snoozes.wakeDue(input.now, input.limit);
      const ended = this.s.due.all(input.now, input.limit);
      let released = 0;
      for (const row of ended) released += this.settle(row, input);
      return { snoozesEnded, silencesEnded: ended.length, released };
    })();
  }

  /** Due checks a maintenance window holds back wait for its end, unconsumed. */
  holdBack(input: HoldBackInput): void {
    this.db.transaction(() => {
      for (const { claim, until } of input.items) {
        if (claim.type === 'stall') this.s.deferStall.run(until, claim.cartId, claim.dueAt);
        else this.s.deferExpectation.run(until, claim.cartId, claim.rule, claim.dueAt);
      }
    })();
  }

  private open(occurrence: NoiseSweepInput['maintenance'][number], now: number): void {
    const inserted = this.s.insert.run({
      team: occurrence.team,
      match: canonicalMatch(occurrence.match),
      reason: occurrence.reason,
      createdBy: MAINTENANCE_ACTOR,
      at: now,
      startsAt: occurrence.startsAt,
      endsAt: occurrence.endsAt,
      maintenance: occurrence.key,
    });
    if (inserted.changes > 0)
      this.s.audit.run(Number(inserted.lastInsertRowid), now, MAINTENANCE_ACTOR, 'created', occurrence.key);
  }

  /**
   * Tells a silence's end once: a summary per team, then what it still holds back is placed like a
   * newly raised exception (many of one kind form a storm), in the order they were raised.
   */
  private settle(row: SilenceRow, input: NoiseSweepInput): number {
    const { now } = input;
    if (this.s.summarise.run(now, row.id).changes === 0) return 0;
    if (row.ended_at === null) {
      const actor = row.created_by === MAINTENANCE_ACTOR ? MAINTENANCE_ACTOR : SYSTEM_ACTOR;
      this.s.audit.run(row.id, now, actor, 'ended', 'ran out');
    }
    const silence = toSilence(this.s.byId.get(row.id) as SilenceRow);
    const raised = this.s.heldBy.all(row.id);
    const held = raised.filter((e) => e.state !== 'resolved' && this.exceptions.silences.isHeld(e));
    for (const team of teamsToTell(row, raised)) {
      const channel = input.channels[team];
      if (channel === undefined) continue;
      const mine = raised.filter((e) => row.team !== ALL_TEAMS || e.team === team);
      this.exceptions.outbox.silence(
        channel,
        {
          type: 'ended',
          silence,
          raised: mine.length,
          resolvedAutomatically: mine.filter((e) => e.resolution === 'auto').length,
          resolvedByPeople: mine.filter((e) => e.resolution === 'manual').length,
          stillOpen: mine.filter((e) => e.state !== 'resolved').length,
          posted: held.filter((e) => mine.includes(e)).length,
        },
        now,
      );
    }
    for (const e of held) {
      const groupKey = groupKeyOf(toException(e), e.team);
      this.s.release.run(groupKey ?? null, now, now + this.policy.escalateAfterMs, e.id);
      this.exceptions.groups.place(e.id, groupKey, e.channel, now);
    }
    return held.length;
  }
}

/** A team's silence tells its team; one over all teams tells those it names, else those it held back. */
function teamsToTell(row: SilenceRow, raised: readonly ExceptionRow[]): string[] {
  if (row.team !== ALL_TEAMS) return [row.team];
  const named = (JSON.parse(row.match) as { team?: string[] }).team;
  return named ?? [...new Set(raised.map((e) => e.team))].sort();
}

import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import { canonicalMatch, MAINTENANCE_ACTOR } from '../../domain/silence.js';
import {
  alreadyEnded,
  EARLY_END_NOTE,
  earlyEnd,
  extensionNote,
  identicalSilence,
  renewalOf,
  settledEndedAt,
} from '../../domain/silence-lifecycle.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { type SilenceRow, toSilence } from '../rows/silence-rows.js';
import { planSilenceEnd } from '../shared/silence-settlement.js';
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
import { writeTransaction } from './write-transaction.js';

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
      // Not yet over, through the partial index; which of them is identical is the domain's.
      sameMatch: db.prepare<[number, string, string], SilenceRow>(
        'SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ? AND team = ? AND match = ? ORDER BY id',
      ),
      insert: db.prepare(
        `INSERT INTO silences (team, match, reason, created_by, created_at, starts_at, ends_at, maintenance)
         VALUES (@team, @match, @reason, @createdBy, @at, @startsAt, @endsAt, @maintenance)
         ON CONFLICT (maintenance) DO NOTHING`,
      ),
      extend: db.prepare('UPDATE silences SET ends_at = ? WHERE id = ?'),
      end: db.prepare('UPDATE silences SET ended_at = ?, ended_by = ?, ends_at = ? WHERE id = ?'),
      audit: db.prepare(
        'INSERT INTO silence_audit (silence_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?)',
      ),
      // Over (ran out or ended) and not yet told: the partial index holds only unsummarised ones.
      due: db.prepare<[number, number], SilenceRow>(
        'SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at <= ? ORDER BY ends_at, id LIMIT ?',
      ),
      summarise: db.prepare(
        'UPDATE silences SET summarised_at = ?, ended_at = ? WHERE id = ? AND summarised_at IS NULL',
      ),
      heldBy: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE silence_id = ? ORDER BY id'),
      release: db.prepare('UPDATE exceptions SET group_key = ?, raised_at = ?, escalate_at = ? WHERE id = ?'),
      deferStall: db.prepare('UPDATE carts SET stall_due_at = ? WHERE cart_id = ? AND stall_due_at = ?'),
      deferExpectation: db.prepare(
        'UPDATE expectations SET due_at = ? WHERE cart_id = ? AND rule = ? AND due_at = ?',
      ),
    };
  }

  /** A new silence, or a longer life for an active one with the same team and match. */
  create(input: NewSilence): SilenceOutcome {
    return writeTransaction(this.db, (): SilenceOutcome => {
      const match = canonicalMatch(input.match);
      const same = identicalSilence(
        this.s.sameMatch.all(input.at, input.team, match).map(toSilence),
        input.at,
      );
      if (same !== undefined) {
        if (renewalOf(same, input.endsAt) === 'unchanged') return { action: 'unchanged', silence: same };
        this.s.extend.run(input.endsAt, same.id);
        const note = extensionNote(input.endsAt, input.reason);
        this.s.audit.run(same.id, input.at, input.createdBy, 'extended', note);
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
    return writeTransaction(this.db, (): EndSilenceOutcome => {
      const row = this.s.byId.get(input.id);
      if (row === undefined) return { ok: false, reason: 'not_found' };
      const silence = toSilence(row);
      if (alreadyEnded(silence, input.at)) return { ok: false, reason: 'already_ended', silence };
      const ended = earlyEnd(silence, input);
      this.s.end.run(ended.endedAt, ended.endedBy, ended.endsAt, row.id);
      this.s.audit.run(row.id, input.at, input.actor, 'ended', EARLY_END_NOTE);
      return { ok: true, silence: toSilence(this.s.byId.get(row.id) as SilenceRow) };
    })();
  }

  /** Records maintenance occurrences, wakes snoozes that ran out, and settles silences that ended. */
  sweep(input: NoiseSweepInput): NoiseSweepOutcome {
    return writeTransaction(this.db, (): NoiseSweepOutcome => {
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
    writeTransaction(this.db, () => {
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

  /** Tells a silence's end once (see planSilenceEnd): returns how many it held back were posted. */
  private settle(row: SilenceRow, input: NoiseSweepInput): number {
    const { now } = input;
    const before = toSilence(row);
    if (this.s.summarise.run(now, settledEndedAt(before), row.id).changes === 0) return 0;
    const after = toSilence(this.s.byId.get(row.id) as SilenceRow);
    const raised = this.s.heldBy.all(row.id);
    const heldIds = new Set(raised.filter((e) => this.exceptions.silences.isHeld(e)).map((e) => e.id));
    const plan = planSilenceEnd({ ...input, before, after, raised, heldIds, policy: this.policy });
    if (plan.audit) this.s.audit.run(row.id, now, plan.audit.actor, plan.audit.action, plan.audit.note);
    for (const { channel, note } of plan.notes) this.exceptions.outbox.silence(channel, note, now);
    for (const r of plan.releases) {
      this.s.release.run(r.groupKey ?? null, r.raisedAt, r.escalateAt, r.id);
      this.exceptions.groups.place(r.id, r.groupKey, r.channel, now);
    }
    return plan.releases.length;
  }
}

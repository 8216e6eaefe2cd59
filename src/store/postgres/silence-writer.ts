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
import { isHeldBack } from '../shared/outbox-plans.js';
import { planSilenceEnd } from '../shared/silence-settlement.js';
import type {
  EndSilenceInput,
  EndSilenceOutcome,
  NewSilence,
  NoiseSweepInput,
  NoiseSweepOutcome,
  SilenceAuditEntry,
  SilenceOutcome,
} from '../silence-types.js';
import type { Tx } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';
import { SnoozeWriter } from './snooze-writer.js';

/** Advisory-lock class of silence requests: identical requests from two instances take turns. */
const SILENCE_REQUEST_LOCK = 0x73696c; // "sil"

/**
 * Silences, each change with its audit entry and the Slack writes it causes, inside the caller's
 * transaction. Several instances share them: identical requests take turns on an advisory lock (so
 * the second lengthens the first's silence rather than making a twin), an early end locks the row,
 * and a sweep claims each silence whose end is due with SKIP LOCKED, so its end is told once.
 */
export class SilenceWriter {
  readonly snoozes: SnoozeWriter;

  constructor(
    private readonly exceptions: ExceptionWriter,
    private readonly policy: DuePolicy,
  ) {
    this.snoozes = new SnoozeWriter(exceptions, policy);
  }

  /** A new silence, or a longer life for an active one with the same team and match. */
  async create(tx: Tx, input: NewSilence): Promise<SilenceOutcome> {
    const match = canonicalMatch(input.match);
    await tx`SELECT pg_advisory_xact_lock(${SILENCE_REQUEST_LOCK}, hashtext(${`${input.team}\n${match}`}))`;
    const candidates = await tx<SilenceRow[]>`
      SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at > ${input.at} AND team = ${input.team}
        AND match = ${match} ORDER BY id FOR UPDATE`;
    const same = identicalSilence(candidates.map(toSilence), input.at);
    if (same !== undefined) {
      if (renewalOf(same, input.endsAt) === 'unchanged') return { action: 'unchanged', silence: same };
      const [extended] = await tx<SilenceRow[]>`
        UPDATE silences SET ends_at = ${input.endsAt} WHERE id = ${same.id} RETURNING *`;
      const note = extensionNote(input.endsAt, input.reason);
      await this.audit(tx, same.id, input.at, input.createdBy, 'extended', note);
      return this.told(tx, 'extended', extended as SilenceRow, input);
    }
    const [created] = await tx<SilenceRow[]>`
      INSERT INTO silences (team, match, reason, created_by, created_at, starts_at, ends_at)
      VALUES (${input.team}, ${match}, ${input.reason}, ${input.createdBy}, ${input.at}, ${input.at},
        ${input.endsAt})
      RETURNING *`;
    const row = created as SilenceRow;
    await this.audit(tx, row.id, input.at, input.createdBy, 'created', input.reason);
    return this.told(tx, 'created', row, input);
  }

  private async told(
    tx: Tx,
    action: 'created' | 'extended',
    row: SilenceRow,
    input: NewSilence,
  ): Promise<SilenceOutcome> {
    const silence = toSilence(row);
    const note = { type: 'started' as const, silence, extended: action === 'extended' };
    if (input.channel !== undefined) await this.exceptions.outbox.silence(tx, input.channel, note, input.at);
    return { action, silence };
  }

  /** Ends it now; the next sweep tells its end and posts what it held back. */
  async end(tx: Tx, input: EndSilenceInput): Promise<EndSilenceOutcome> {
    const [row] = await tx<SilenceRow[]>`SELECT * FROM silences WHERE id = ${input.id} FOR UPDATE`;
    if (row === undefined) return { ok: false, reason: 'not_found' };
    const silence = toSilence(row);
    if (alreadyEnded(silence, input.at)) return { ok: false, reason: 'already_ended', silence };
    const ended = earlyEnd(silence, input);
    const [updated] = await tx<SilenceRow[]>`
      UPDATE silences SET ended_at = ${ended.endedAt}, ended_by = ${ended.endedBy}, ends_at = ${ended.endsAt}
      WHERE id = ${row.id} RETURNING *`;
    await this.audit(tx, row.id, input.at, input.actor, 'ended', EARLY_END_NOTE);
    return { ok: true, silence: toSilence(updated as SilenceRow) };
  }

  /** Records maintenance occurrences, wakes snoozes that ran out, and settles silences that ended. */
  async sweep(tx: Tx, input: NoiseSweepInput): Promise<NoiseSweepOutcome> {
    for (const occurrence of input.maintenance) await this.open(tx, occurrence, input.now);
    const snoozesEnded = await this.snoozes.wakeDue(tx, input.now, input.limit);
    // Over (ran out or ended) and not yet told; one another instance is telling is skipped.
    const ended = await tx<SilenceRow[]>`
      SELECT * FROM silences WHERE summarised_at IS NULL AND ends_at <= ${input.now}
      ORDER BY ends_at, id LIMIT ${input.limit} FOR UPDATE SKIP LOCKED`;
    let released = 0;
    for (const row of ended) released += await this.settle(tx, row, input);
    return { snoozesEnded, silencesEnded: ended.length, released };
  }

  /** A maintenance occurrence, recorded once under its key however many instances see it. */
  private async open(tx: Tx, occurrence: NoiseSweepInput['maintenance'][number], now: number): Promise<void> {
    const [inserted] = await tx<{ id: number }[]>`
      INSERT INTO silences (team, match, reason, created_by, created_at, starts_at, ends_at, maintenance)
      VALUES (${occurrence.team}, ${canonicalMatch(occurrence.match)}, ${occurrence.reason},
        ${MAINTENANCE_ACTOR}, ${now}, ${occurrence.startsAt}, ${occurrence.endsAt}, ${occurrence.key})
      ON CONFLICT (maintenance) DO NOTHING RETURNING id`;
    if (inserted !== undefined)
      await this.audit(tx, inserted.id, now, MAINTENANCE_ACTOR, 'created', occurrence.key);
  }

  /** Tells a silence's end once (see planSilenceEnd): returns how many it held back were posted. */
  private async settle(tx: Tx, row: SilenceRow, input: NoiseSweepInput): Promise<number> {
    const { now } = input;
    const before = toSilence(row);
    const [summarised] = await tx<SilenceRow[]>`
      UPDATE silences SET summarised_at = ${now}, ended_at = ${settledEndedAt(before)}
      WHERE id = ${row.id} AND summarised_at IS NULL RETURNING *`;
    if (summarised === undefined) return 0;
    // Locked in id order, as every writer of several exceptions locks them.
    const raised = await tx<(ExceptionRow & { has_post: boolean })[]>`
      SELECT e.*, EXISTS (SELECT 1 FROM outbox o WHERE o.exception_id = e.id AND o.kind = 'post') AS has_post
      FROM exceptions e WHERE e.silence_id = ${row.id} ORDER BY e.id FOR UPDATE OF e`;
    const heldIds = new Set(raised.filter((e) => isHeldBack(e, e.has_post)).map((e) => e.id));
    const after = toSilence(summarised);
    const plan = planSilenceEnd({ ...input, before, after, raised, heldIds, policy: this.policy });
    if (plan.audit) await this.audit(tx, row.id, now, plan.audit.actor, plan.audit.action, plan.audit.note);
    for (const { channel, note } of plan.notes) await this.exceptions.outbox.silence(tx, channel, note, now);
    for (const r of plan.releases) {
      await tx`UPDATE exceptions SET group_key = ${r.groupKey ?? null}, raised_at = ${r.raisedAt},
        escalate_at = ${r.escalateAt} WHERE id = ${r.id}`;
      await this.exceptions.groups.place(tx, r.id, r.groupKey, r.channel, now);
    }
    return plan.releases.length;
  }

  private async audit(
    tx: Tx,
    silenceId: number,
    at: number,
    actor: string,
    action: SilenceAuditEntry['action'],
    note: string | null,
  ): Promise<void> {
    await tx`INSERT INTO silence_audit (silence_id, at, actor, action, note)
      VALUES (${silenceId}, ${at}, ${actor}, ${action}, ${note})`;
  }
}

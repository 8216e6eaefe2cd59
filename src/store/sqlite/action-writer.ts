import type Database from 'better-sqlite3';
import type { DuePolicy } from '../../domain/due-policy.js';
import type {
  ActionInput,
  ActionOutcome,
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
  ReassignInput,
} from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import {
  actionColumns,
  actionIsStale,
  actionNote,
  NEXT_STATE,
  reassignIsStale,
  type StateColumns,
} from '../shared/exception-plans.js';
import {
  type GroupAction,
  groupActionIsStale,
  groupActionNote,
  groupAuditNote,
  reassignPlan,
} from '../shared/handoff-plans.js';
import type { EphemeralInput } from '../store.js';
import type { ExceptionWriter } from './exception-writer.js';
import { writeTransaction } from './write-transaction.js';

/**
 * What people do to exceptions from Slack: acknowledge, resolve, reassign, and the same to a whole
 * storm at once. Each is one transaction with its audit entries and the Slack writes it causes; a
 * click on an out-of-date message changes nothing and redraws it.
 */
export class ActionWriter {
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    private readonly policy: DuePolicy,
    private readonly exceptions: ExceptionWriter,
  ) {
    this.s = {
      byId: db.prepare<[number], ExceptionRow>('SELECT * FROM exceptions WHERE id = ?'),
      setState: db.prepare<StateColumns & { id: number }>(`UPDATE exceptions SET state = @state,
          assignee = @assignee, acknowledged_at = @acknowledged_at, resolution = @resolution,
          resolved_at = @resolved_at, resolved_by = @resolved_by, escalate_at = @escalate_at,
          remind_at = @remind_at, escalation_level = @escalation_level, revision = revision + 1 WHERE id = @id`),
      move: db.prepare(`UPDATE exceptions SET team = ?, channel = ?, route_reason = ?, slack_ts = NULL,
          revision = revision + 1 WHERE id = ?`),
      assign: db.prepare(`UPDATE exceptions SET assignee = ?, state = 'open', acknowledged_at = NULL,
          escalate_at = ?, escalation_level = 0, remind_at = NULL, revision = revision + 1 WHERE id = ?`),
      leaveGroup: db.prepare('UPDATE exceptions SET group_id = NULL WHERE id = ?'),
      audit: db.prepare(
        'INSERT INTO exception_audit (exception_id, at, actor, action, note) VALUES (?, ?, ?, ?, ?)',
      ),
    };
  }

  applyAction(input: ActionInput): ActionOutcome {
    return writeTransaction(this.db, (): ActionOutcome => {
      const row = this.s.byId.get(input.exceptionId);
      if (!row) return { ok: false, reason: 'not_found' };
      if (actionIsStale(row, input)) {
        // Whatever the clicker saw is out of date: show them the current state.
        this.exceptions.touched(row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      this.s.setState.run({ ...actionColumns(row, input, this.policy), id: row.id });
      this.s.audit.run(row.id, input.at, input.actor, NEXT_STATE[input.action].audit, input.note ?? null);
      this.exceptions.touched(row, input.at, actionNote(input));
      return { ok: true, exception: toException(this.s.byId.get(row.id) as ExceptionRow) };
    })();
  }

  /** Hands an exception to another team (a new message in its channel) and/or person; its clock carries over. */
  applyReassign(input: ReassignInput): ActionOutcome {
    return writeTransaction(this.db, (): ActionOutcome => {
      const row = this.s.byId.get(input.exceptionId);
      if (!row) return { ok: false, reason: 'not_found' };
      if (reassignIsStale(row, input.revision)) {
        this.exceptions.touched(row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      const plan = reassignPlan(row, input, this.policy.escalateAfterMs);
      // Handed on, it leaves the board it was on (its escalation starts over with its new owner).
      this.exceptions.boards.exceptionChanged(row, input.at);
      if (plan.leaveGroup !== undefined) {
        this.s.leaveGroup.run(row.id);
        this.exceptions.groups.changed(plan.leaveGroup, row.channel, input.at);
      }
      if (plan.ownMessage === 'rerender') this.exceptions.outbox.rerender(row.id, row.channel, input.at);
      else if (plan.ownMessage === 'post') this.exceptions.outbox.post(row.id, row.channel, input.at);
      if (plan.movedFrom !== undefined)
        this.exceptions.outbox.moved(
          row.id,
          plan.movedFrom.channel,
          plan.movedFrom.ts,
          input.actor,
          input.at,
        );
      if (plan.team !== undefined) {
        this.s.move.run(plan.team.name, plan.team.channel, plan.routeReason, row.id);
        this.exceptions.outbox.post(row.id, plan.team.channel, input.at);
      }
      if (plan.assign !== undefined) this.s.assign.run(plan.assign.assignee, plan.assign.escalateAt, row.id);
      this.s.audit.run(row.id, input.at, input.actor, 'reassigned', plan.audit);
      if (plan.threadIn !== undefined)
        this.exceptions.outbox.threadNote(row.id, plan.threadIn, plan.handoff, input.at);
      else this.exceptions.touched(row, input.at, plan.handoff);
      return { ok: true, exception: toException(this.s.byId.get(row.id) as ExceptionRow) };
    })();
  }

  /** "Acknowledge all": every open member of a storm, each with its own audit entry, in one transaction. */
  acknowledgeGroup(input: GroupActionInput): GroupActionOutcome {
    const outcome = this.changeGroup(input, 'acknowledge');
    if (!outcome.ok) return outcome;
    return { ok: true, acknowledged: outcome.afterMs.length, acknowledgedAfterMs: outcome.afterMs };
  }

  /** "Resolve all": every open and acknowledged member of a storm, each with its own audit entry. */
  resolveGroup(input: GroupResolveInput): GroupResolveOutcome {
    const outcome = this.changeGroup(input, 'resolve');
    if (!outcome.ok) return outcome;
    return { ok: true, resolved: outcome.afterMs.length, resolvedAfterMs: outcome.afterMs };
  }

  /**
   * A storm's members changed together in one transaction, each with its own audit entry, and one
   * reply in the storm's thread saying who did it to how many. A click on an older drawing of the
   * message changes nothing. `afterMs`: for each member, how long after it was first seen.
   */
  private changeGroup(input: GroupResolveInput, action: GroupAction) {
    return writeTransaction(this.db, () => {
      const storm = this.exceptions.groups.stateOf(input.groupId);
      if (storm === undefined) return { ok: false as const, reason: 'not_found' as const };
      const { channel, team } = storm;
      const members = this.exceptions.groups.members(input.groupId, action, input.upTo);
      if (groupActionIsStale(storm.revision, input)) {
        this.exceptions.groups.changed(input.groupId, channel, input.at);
        return { ok: false as const, reason: 'stale' as const };
      }
      // Asked before the change: acknowledged or resolved, the storm leaves its team's board.
      const listed = this.exceptions.boards.listsStorm(input.groupId);
      const auditNote = groupAuditNote(input.note);
      const afterMs: number[] = [];
      for (const id of members) {
        const row = this.s.byId.get(id) as ExceptionRow;
        afterMs.push(input.at - row.first_seen_at);
        this.s.setState.run({ ...actionColumns(row, { ...input, action }, this.policy), id });
        this.s.audit.run(id, input.at, input.actor, NEXT_STATE[action].audit, auditNote);
      }
      if (members[0] !== undefined) {
        const note = groupActionNote(action, input, members.length);
        this.exceptions.outbox.threadNote(members[0], channel, note, input.at, input.groupId);
        this.exceptions.groups.changed(input.groupId, channel, input.at);
        if (listed) this.exceptions.boards.changed(team, input.at);
      }
      return { ok: true as const, afterMs };
    })();
  }

  enqueueEphemeral(input: EphemeralInput): void {
    this.exceptions.outbox.ephemeral(input);
  }
}

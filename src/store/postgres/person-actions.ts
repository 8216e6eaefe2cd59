import type { DuePolicy } from '../../domain/due-policy.js';
import type { ActionInput, ActionOutcome, ReassignInput } from '../exception-types.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import {
  actionColumns,
  actionIsStale,
  actionNote,
  NEXT_STATE,
  reassignIsStale,
} from '../shared/exception-plans.js';
import { reassignPlan } from '../shared/handoff-plans.js';
import { type Sql, type Tx, transaction } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';

/**
 * A person's buttons and handoffs on one exception. The row is locked first, so two people acting
 * at once from two instances take turns: the second finds the revision moved and is refused as stale.
 */
export class PersonActions {
  constructor(
    private readonly sql: Sql,
    private readonly policy: DuePolicy,
    private readonly exceptions: ExceptionWriter,
  ) {}

  applyAction(input: ActionInput): Promise<ActionOutcome> {
    return transaction(this.sql, async (tx): Promise<ActionOutcome> => {
      const row = await this.exceptions.lockById(tx, input.exceptionId);
      if (!row) return { ok: false, reason: 'not_found' };
      if (actionIsStale(row, input)) {
        // Whatever the clicker saw is out of date: show them the current state.
        await this.exceptions.touched(tx, row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      const changed = await setColumns(tx, row.id, actionColumns(row, input, this.policy));
      await this.exceptions.audit(
        tx,
        row.id,
        input.at,
        input.actor,
        NEXT_STATE[input.action].audit,
        input.note,
      );
      await this.exceptions.touched(tx, row, input.at, actionNote(input));
      return { ok: true, exception: toException(changed) };
    });
  }

  /** Hands an exception to another team (a new message in its channel) and/or person; its clock carries over. */
  applyReassign(input: ReassignInput): Promise<ActionOutcome> {
    return transaction(this.sql, async (tx): Promise<ActionOutcome> => {
      const row = await this.exceptions.lockById(tx, input.exceptionId);
      if (!row) return { ok: false, reason: 'not_found' };
      if (reassignIsStale(row, input.revision)) {
        await this.exceptions.touched(tx, row, input.at);
        return { ok: false, reason: 'stale', exception: toException(row) };
      }
      const { outbox, groups, boards } = this.exceptions;
      const plan = reassignPlan(row, input, this.policy.escalateAfterMs);
      // Handed on, it leaves the board it was on (its escalation starts over with its new owner).
      await boards.exceptionChanged(tx, row, input.at);
      if (plan.leaveGroup !== undefined) {
        await tx`UPDATE exceptions SET group_id = NULL WHERE id = ${row.id}`;
        await groups.changed(tx, plan.leaveGroup, row.channel, input.at);
      }
      if (plan.ownMessage === 'rerender') await outbox.rerender(tx, row.id, row.channel, input.at);
      else if (plan.ownMessage === 'post') await outbox.post(tx, row.id, row.channel, input.at);
      if (plan.movedFrom !== undefined)
        await outbox.moved(tx, row.id, plan.movedFrom.channel, plan.movedFrom.ts, input.actor, input.at);
      if (plan.team !== undefined) {
        await tx`UPDATE exceptions SET team = ${plan.team.name}, channel = ${plan.team.channel},
          route_reason = ${plan.routeReason ?? null}, slack_ts = NULL, revision = revision + 1
          WHERE id = ${row.id}`;
        await outbox.post(tx, row.id, plan.team.channel, input.at);
      }
      if (plan.assign !== undefined)
        await tx`UPDATE exceptions SET assignee = ${plan.assign.assignee}, state = 'open',
          acknowledged_at = NULL, escalate_at = ${plan.assign.escalateAt}, escalation_level = 0,
          remind_at = NULL, revision = revision + 1 WHERE id = ${row.id}`;
      await this.exceptions.audit(tx, row.id, input.at, input.actor, 'reassigned', plan.audit);
      if (plan.threadIn !== undefined)
        await outbox.threadNote(tx, row.id, plan.threadIn, plan.handoff, input.at);
      else await this.exceptions.touched(tx, row, input.at, plan.handoff);
      const [after] = await tx<ExceptionRow[]>`SELECT * FROM exceptions WHERE id = ${row.id}`;
      return { ok: true, exception: toException(after as ExceptionRow) };
    });
  }
}

/** Sets a person's action's columns, bumping the revision; the row as it now stands. */
export async function setColumns(
  tx: Tx,
  id: number,
  columns: ReturnType<typeof actionColumns>,
): Promise<ExceptionRow> {
  const [row] = await tx<ExceptionRow[]>`
    UPDATE exceptions SET ${tx(columns)}, revision = revision + 1 WHERE id = ${id} RETURNING *`;
  if (row === undefined) throw new Error(`exception ${id} vanished while it was locked`);
  return row;
}

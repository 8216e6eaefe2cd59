import type { DuePolicy } from '../../domain/due-policy.js';
import type {
  GroupActionInput,
  GroupActionOutcome,
  GroupResolveInput,
  GroupResolveOutcome,
} from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';
import { actionColumns, NEXT_STATE } from '../shared/exception-plans.js';
import {
  type GroupAction,
  groupActionIsStale,
  groupActionNote,
  groupAuditNote,
} from '../shared/handoff-plans.js';
import { type Sql, type Tx, transaction } from './connection.js';
import type { ExceptionWriter } from './exception-writer.js';

type Changed = { ok: true; afterMs: number[] } | { ok: false; reason: 'not_found' | 'stale' };

/**
 * "Acknowledge all" and "Resolve all" on a storm: every member it applies to, each with its own audit
 * entry, in one transaction. The storm's row is locked first, then its members in id order, so a
 * second click from another instance waits and then finds the revision moved.
 */
export class GroupActions {
  constructor(
    private readonly sql: Sql,
    private readonly policy: DuePolicy,
    private readonly exceptions: ExceptionWriter,
  ) {}

  async acknowledgeGroup(input: GroupActionInput): Promise<GroupActionOutcome> {
    const outcome = await this.changeGroup(input, 'acknowledge');
    if (!outcome.ok) return outcome;
    return { ok: true, acknowledged: outcome.afterMs.length, acknowledgedAfterMs: outcome.afterMs };
  }

  async resolveGroup(input: GroupResolveInput): Promise<GroupResolveOutcome> {
    const outcome = await this.changeGroup(input, 'resolve');
    if (!outcome.ok) return outcome;
    return { ok: true, resolved: outcome.afterMs.length, resolvedAfterMs: outcome.afterMs };
  }

  /**
   * One reply in the storm's thread says who did it to how many. A click on an older drawing of the
   * message changes nothing. `afterMs`: for each member, how long after it was first seen.
   */
  private changeGroup(input: GroupResolveInput, action: GroupAction): Promise<Changed> {
    return transaction(this.sql, async (tx): Promise<Changed> => {
      const { groups, boards, outbox } = this.exceptions;
      const storm = await groups.lockState(tx, input.groupId);
      if (storm === undefined) return { ok: false, reason: 'not_found' };
      const { channel, team } = storm;
      const members = await groups.members(tx, input.groupId, action, input.upTo);
      const first = members[0];
      if (groupActionIsStale(storm.revision, input)) {
        await groups.changed(tx, input.groupId, channel, input.at);
        return { ok: false, reason: 'stale' };
      }
      // Asked before the change: acknowledged or resolved, the storm leaves its team's board.
      const listed = await boards.listsStorm(tx, input.groupId);
      await this.setAll(tx, members, input, action);
      if (first !== undefined) {
        const note = groupActionNote(action, input, members.length);
        await outbox.threadNote(tx, first.id, channel, note, input.at, input.groupId);
        await groups.changed(tx, input.groupId, channel, input.at);
        if (listed) await boards.changed(tx, team, input.at);
      }
      return { ok: true, afterMs: members.map((row) => input.at - row.first_seen_at) };
    });
  }

  /** Each member's new columns (they depend on its own row), sent together, and one audit insert. */
  private async setAll(
    tx: Tx,
    members: readonly ExceptionRow[],
    input: GroupResolveInput,
    action: GroupAction,
  ): Promise<void> {
    if (members.length === 0) return;
    await Promise.all(
      members.map((row) => {
        const columns = actionColumns(row, { action, actor: input.actor, at: input.at }, this.policy);
        return tx`UPDATE exceptions SET ${tx(columns)}, revision = revision + 1 WHERE id = ${row.id}`;
      }),
    );
    const note = groupAuditNote(input.note);
    const audit = members.map((row) => ({
      exception_id: row.id,
      at: input.at,
      actor: input.actor,
      action: NEXT_STATE[action].audit,
      note,
    }));
    await tx`INSERT INTO exception_audit ${tx(audit)}`;
  }
}

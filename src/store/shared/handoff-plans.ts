/**
 * What handing an exception on, and acting on a whole storm, write: decided once for both stores.
 */
import type { ReassignInput, ThreadNote } from '../exception-types.js';
import type { ExceptionRow } from '../rows/exception-rows.js';

/**
 * What handing an exception on writes, in order: it leaves its board (and its storm, getting a message
 * of its own), moves to another team's channel (the old message saying where it went), is assigned,
 * audited, and the handoff is told in the thread it now lives in.
 */
export interface ReassignPlan {
  /** Another team: a new message in its channel. Undefined when the team stays. */
  team?: { name: string; channel: string };
  routeReason?: string;
  /** Leaves its storm: the storm's message is drawn again. */
  leaveGroup?: number;
  /** Staying with its team after leaving a storm: its own message drawn again, or posted at last. */
  ownMessage: 'rerender' | 'post' | 'none';
  /** Its old message (another team taking it) is redrawn to say where it went. */
  movedFrom?: { channel: string; ts: string };
  /** Assigned afresh: escalation starts over with its new owner. */
  assign?: { assignee: string | null; escalateAt: number };
  audit: string;
  handoff: ThreadNote;
  /** Told as a reply in this channel's thread; else through the usual redraw of a change. */
  threadIn?: string;
}

export function reassignPlan(
  row: Pick<ExceptionRow, 'team' | 'channel' | 'group_id' | 'slack_ts'>,
  input: ReassignInput,
  escalateAfterMs: number,
): ReassignPlan {
  const team = input.team !== undefined && input.team.name !== row.team ? input.team : undefined;
  const grouped = row.group_id !== null;
  // Posted alone before the storm formed, its message pointed to the storm: it is drawn again.
  const ownMessage = !grouped || team !== undefined ? 'none' : row.slack_ts !== null ? 'rerender' : 'post';
  const handoff: ThreadNote = {
    type: 'action',
    action: 'reassigned',
    actor: input.actor,
    note: input.note,
    ...(input.assignee !== undefined && { assignee: input.assignee }),
    ...(team !== undefined && { team: team.name }),
  };
  return {
    ...(team !== undefined && { team, routeReason: `reassigned from the ${row.team} team` }),
    ...(row.group_id !== null && { leaveGroup: row.group_id }),
    ownMessage,
    ...(team !== undefined &&
      row.slack_ts !== null && { movedFrom: { channel: row.channel, ts: row.slack_ts } }),
    // A person given: theirs to acknowledge. Only a team given: the new team's to claim.
    ...((input.assignee !== undefined || team !== undefined) && {
      assign: { assignee: input.assignee ?? null, escalateAt: input.at + escalateAfterMs },
    }),
    audit: describeHandoff(input, team?.name),
    handoff,
    ...((team !== undefined || grouped) && { threadIn: team?.channel ?? row.channel }),
  };
}

function describeHandoff(input: ReassignInput, team: string | undefined): string {
  const to = [team && `team ${team}`, input.assignee && `person ${input.assignee}`]
    .filter(Boolean)
    .join(', ');
  return `to ${to || 'the same owner'}: ${input.note}`;
}

/** "Acknowledge all" takes the open members; "Resolve all" the open and acknowledged ones. */
export type GroupAction = 'acknowledge' | 'resolve';

/** A storm-wide click on an older drawing of the storm's message changes nothing. */
export function groupActionIsStale(revision: number, input: { revision: number }): boolean {
  return revision !== input.revision;
}

/** Each member's audit note in a storm-wide action. */
export function groupAuditNote(note: string | undefined): string {
  return `with the rest of its group${note ? `: ${note}` : ''}`;
}

/** The one reply in the storm's thread saying who did it to how many. */
export function groupActionNote(
  action: GroupAction,
  input: { actor: string; note?: string },
  count: number,
): ThreadNote {
  return {
    type: 'group_action',
    action: action === 'acknowledge' ? 'acknowledged' : 'resolved',
    actor: input.actor,
    count,
    ...(input.note && { note: input.note }),
  };
}

import { BOARD_LEVEL } from '../../domain/escalation-board.js';
import {
  boardDueAt,
  boardMoved,
  boardOfChange,
  boardPayload,
  boardWrite,
  type Redraw,
} from '../shared/outbox-plans.js';
import type { Tx } from './connection.js';

const BOARD_KINDS = ['board_post', 'board_update'];

/**
 * The escalation board of each team: one message in the escalation channel listing what waits past
 * the limit, drawn from state when sent. This keeps the board row and its outbox rows: one post,
 * then updates, at most one of them waiting at a time. The board row is locked while its outbox rows
 * are decided, so two instances never queue two.
 */
export class BoardWriter {
  /** An exception reached the board's level (for a storm: the whole storm did), in `channel`. */
  async escalated(tx: Tx, input: { team: string; channel: string; groupId?: number; now: number }) {
    // A storm escalates through one member; the board lists it while any of them is unacknowledged,
    // and none of them escalates again on its own.
    if (input.groupId !== undefined)
      await tx`UPDATE exceptions SET escalation_level = ${BOARD_LEVEL}, escalate_at = NULL
        WHERE group_id = ${input.groupId} AND state = 'open' AND escalation_level < ${BOARD_LEVEL}`;
    const [before] = await tx<{ channel: string }[]>`
      SELECT channel FROM escalation_boards WHERE team = ${input.team} FOR UPDATE`;
    // Another escalation channel configured: the board starts again there.
    await tx`INSERT INTO escalation_boards (team, channel) VALUES (${input.team}, ${input.channel})
      ON CONFLICT (team) DO UPDATE SET channel = excluded.channel,
        slack_ts = CASE WHEN escalation_boards.channel = excluded.channel THEN escalation_boards.slack_ts END`;
    if (boardMoved(before, input.channel))
      await tx`UPDATE outbox SET state = 'superseded' WHERE kind IN ${tx(BOARD_KINDS)}
        AND payload = ${boardPayload(input.team)} AND state = 'pending'
        AND claimed_until <= ${input.now} AND in_doubt = 0`;
    await this.changed(tx, input.team, input.now);
  }

  /**
   * An exception changed (read before the change, or after one that keeps its escalation level):
   * when it was listed, or its storm is, its team's board is drawn again (`redraw`: at once, or
   * paced for detection's own changes).
   */
  async exceptionChanged(
    tx: Tx,
    row: { team: string; escalation_level: number; group_id: number | null },
    now: number,
    redraw: Redraw = 'now',
  ): Promise<void> {
    const on = boardOfChange(row);
    if (on === 'board') await this.changed(tx, row.team, now, redraw);
    else if (on === 'storm' && row.group_id !== null)
      await this.stormChanged(tx, row.group_id, row.team, now, redraw);
  }

  /** A storm gained or lost members: its line on the board (if it has one) counts them again. */
  async stormChanged(tx: Tx, groupId: number, team: string, now: number, redraw: Redraw = 'now') {
    if (await this.listsStorm(tx, groupId)) await this.changed(tx, team, now, redraw);
  }

  /** Whether the storm is on its team's board: some member still unacknowledged past the limit. */
  async listsStorm(tx: Tx, groupId: number): Promise<boolean> {
    const [found] = await tx`SELECT 1 FROM exceptions WHERE group_id = ${groupId} AND state = 'open'
      AND escalation_level >= ${BOARD_LEVEL} LIMIT 1`;
    return found !== undefined;
  }

  /** Draws the team's board again, if it has one: posted once, then updated in place. */
  async changed(tx: Tx, team: string, now: number, redraw: Redraw = 'now'): Promise<void> {
    const [board] = await tx<{ channel: string; slack_ts: string | null; drawn_at: number | null }[]>`
      UPDATE escalation_boards SET revision = revision + 1 WHERE team = ${team}
      RETURNING channel, slack_ts, drawn_at`;
    if (board === undefined) return;
    const payload = boardPayload(team);
    const [pending] = await tx<
      { waiting: number | null; posting: boolean | null; in_flight_until: number | null }[]
    >`
      SELECT min(id) FILTER (WHERE claimed_until <= ${now}) AS waiting, bool_or(kind = 'board_post') AS posting,
        max(claimed_until) FILTER (WHERE claimed_until > ${now}) AS in_flight_until
      FROM outbox WHERE kind IN ${tx(BOARD_KINDS)} AND payload = ${payload} AND state = 'pending'`;
    const waiting = pending?.waiting ?? null;
    if (waiting !== null && redraw === 'now')
      await tx`UPDATE outbox SET due_at = least(due_at, ${now}) WHERE id = ${waiting}`;
    const kind = boardWrite(board, { waiting: waiting !== null, posting: pending?.posting === true });
    if (kind === undefined) return;
    const dueAt = boardDueAt(board, pending?.in_flight_until ?? null, redraw, now);
    await tx`INSERT INTO outbox (kind, channel, payload, state, due_at, created_at)
      VALUES (${kind}, ${board.channel}, ${payload}, 'pending', ${dueAt}, ${now})`;
  }
}

import type Database from 'better-sqlite3';
import { BOARD_LEVEL } from '../../domain/escalation-board.js';
import {
  boardDueAt,
  boardMoved,
  boardOfChange,
  boardPayload,
  boardWrite,
  type Redraw,
} from '../shared/outbox-plans.js';

const BOARD_KINDS = "('board_post', 'board_update')";

/**
 * The escalation board of each team: one message in the escalation channel listing what waits past
 * the limit, drawn from state when sent. This keeps the board row and its outbox rows: one post,
 * then updates, at most one of them waiting at a time (an update renders whatever holds when sent).
 */
export class BoardWriter {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      board: db.prepare<[string], { channel: string; slack_ts: string | null; drawn_at: number | null }>(
        'SELECT channel, slack_ts, drawn_at FROM escalation_boards WHERE team = ?',
      ),
      // Another escalation channel configured: the board starts again there.
      open: db.prepare(
        `INSERT INTO escalation_boards (team, channel) VALUES (?, ?) ON CONFLICT (team) DO UPDATE
           SET channel = excluded.channel,
               slack_ts = CASE WHEN escalation_boards.channel = excluded.channel THEN escalation_boards.slack_ts END`,
      ),
      bump: db.prepare('UPDATE escalation_boards SET revision = revision + 1 WHERE team = ?'),
      stormListed: db.prepare<[number, number], { found: number }>(
        `SELECT 1 AS found FROM exceptions WHERE group_id = ? AND state = 'open' AND escalation_level >= ? LIMIT 1`,
      ),
      // A storm escalates through one member; the board lists it while any of them is unacknowledged,
      // and none of them escalates again on its own.
      markStorm: db.prepare(
        `UPDATE exceptions SET escalation_level = @level, escalate_at = NULL
         WHERE group_id = @groupId AND state = 'open' AND escalation_level < @level`,
      ),
      // Waiting and not being sent: it will render the board as it is when sent, so nothing is added.
      waiting: db.prepare<[string, number], { id: number }>(
        `SELECT id FROM outbox WHERE kind IN ${BOARD_KINDS} AND payload = ? AND state = 'pending'
           AND claimed_until <= ? LIMIT 1`,
      ),
      inFlight: db
        .prepare<[string, number], number | null>(
          `SELECT max(claimed_until) FROM outbox WHERE kind IN ${BOARD_KINDS} AND payload = ?
             AND state = 'pending' AND claimed_until > ?`,
        )
        .pluck(),
      hurry: db.prepare('UPDATE outbox SET due_at = min(due_at, ?) WHERE id = ?'),
      posting: db.prepare<[string], { id: number }>(
        `SELECT id FROM outbox WHERE kind = 'board_post' AND payload = ? AND state = 'pending' LIMIT 1`,
      ),
      drop: db.prepare(
        `UPDATE outbox SET state = 'superseded' WHERE kind IN ${BOARD_KINDS} AND payload = ?
           AND state = 'pending' AND claimed_until <= ? AND in_doubt = 0`,
      ),
      insert: db.prepare(
        `INSERT INTO outbox (kind, channel, payload, state, due_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
      ),
    };
  }

  /** An exception reached the board's level (for a storm: the whole storm did), in `channel`. */
  escalated(input: { team: string; channel: string; groupId?: number; now: number }): void {
    if (input.groupId !== undefined) this.s.markStorm.run({ level: BOARD_LEVEL, groupId: input.groupId });
    const before = this.s.board.get(input.team);
    this.s.open.run(input.team, input.channel);
    if (boardMoved(before, input.channel)) this.s.drop.run(boardPayload(input.team), input.now);
    this.changed(input.team, input.now);
  }

  /**
   * An exception changed (read before the change, or after one that keeps its escalation level):
   * when it was listed, or its storm is, its team's board is drawn again (`redraw`: at once, or
   * paced for detection's own changes).
   */
  exceptionChanged(
    row: { team: string; escalation_level: number; group_id: number | null },
    now: number,
    redraw: Redraw = 'now',
  ): void {
    const on = boardOfChange(row);
    if (on === 'board') this.changed(row.team, now, redraw);
    else if (on === 'storm' && row.group_id !== null) this.stormChanged(row.group_id, row.team, now, redraw);
  }

  /** A storm gained or lost members: its line on the board (if it has one) counts them again. */
  stormChanged(groupId: number, team: string, now: number, redraw: Redraw = 'now'): void {
    if (this.listsStorm(groupId)) this.changed(team, now, redraw);
  }

  /** Whether the storm is on its team's board: some member still unacknowledged past the limit. */
  listsStorm(groupId: number): boolean {
    return this.s.stormListed.get(groupId, BOARD_LEVEL) !== undefined;
  }

  /** Draws the team's board again, if it has one: posted once, then updated in place. */
  changed(team: string, now: number, redraw: Redraw = 'now'): void {
    const board = this.s.board.get(team);
    if (board === undefined) return;
    this.s.bump.run(team);
    const payload = boardPayload(team);
    const waiting = this.s.waiting.get(payload, now);
    if (waiting !== undefined && redraw === 'now') this.s.hurry.run(now, waiting.id);
    const kind = boardWrite(board, {
      waiting: waiting !== undefined,
      posting: this.s.posting.get(payload) !== undefined,
    });
    if (kind === undefined) return;
    const dueAt = boardDueAt(board, this.s.inFlight.get(payload, now) ?? null, redraw, now);
    this.s.insert.run(kind, board.channel, payload, dueAt, now);
  }
}

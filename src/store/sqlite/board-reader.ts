import type Database from 'better-sqlite3';
import {
  BOARD_LEVEL,
  buildBoard,
  type EscalationBoard,
  type StormMessage,
} from '../../domain/escalation-board.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';

/** A team's escalation board as its message shows it; which lines, and how, is domain/escalation-board.ts. */
export class BoardReader {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      board: db.prepare<[string], { team: string; channel: string; slack_ts: string | null }>(
        'SELECT team, channel, slack_ts FROM escalation_boards WHERE team = ?',
      ),
      // Open and past the limit, and every open member of a storm that has one such member.
      // ("state != 'resolved'" lets the team's index of live exceptions serve.)
      listed: db.prepare<{ team: string; level: number }, ExceptionRow>(
        `SELECT * FROM exceptions WHERE team = @team AND state != 'resolved' AND state = 'open'
           AND (escalation_level >= @level OR group_id IN (SELECT group_id FROM exceptions
                WHERE team = @team AND state != 'resolved' AND state = 'open'
                  AND escalation_level >= @level AND group_id IS NOT NULL))`,
      ),
      storms: db.prepare<[string], { id: number; channel: string; slack_ts: string | null }>(
        'SELECT id, channel, slack_ts FROM exception_groups WHERE id IN (SELECT value FROM json_each(?))',
      ),
    };
  }

  load(team: string): EscalationBoard | undefined {
    const row = this.s.board.get(team);
    if (row === undefined) return undefined;
    const open = this.s.listed.all({ team, level: BOARD_LEVEL }).map(toException);
    const groupIds = [...new Set(open.flatMap((e) => (e.groupId === undefined ? [] : [e.groupId])))];
    const storms = new Map<number, StormMessage>(
      this.s.storms
        .all(JSON.stringify(groupIds))
        .map((g) => [g.id, { channel: g.channel, ...(g.slack_ts !== null && { slackTs: g.slack_ts }) }]),
    );
    const board = { team, channel: row.channel, ...(row.slack_ts !== null && { slackTs: row.slack_ts }) };
    return buildBoard(board, open, storms);
  }
}

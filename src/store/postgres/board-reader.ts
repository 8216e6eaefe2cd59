import {
  BOARD_LEVEL,
  buildBoard,
  type EscalationBoard,
  type StormMessage,
} from '../../domain/escalation-board.js';
import { type ExceptionRow, toException } from '../rows/exception-rows.js';
import type { Runner } from './connection.js';

/** A team's escalation board as its message shows it; which lines, and how, is domain/escalation-board.ts. */
export class BoardReader {
  async load(db: Runner, team: string): Promise<EscalationBoard | undefined> {
    const [boards, listed] = await Promise.all([
      db<{ channel: string; slack_ts: string | null }[]>`
        SELECT channel, slack_ts FROM escalation_boards WHERE team = ${team}`,
      // Open and past the limit, and every open member of a storm that has one such member.
      db<ExceptionRow[]>`SELECT * FROM exceptions WHERE team = ${team} AND state = 'open'
        AND (escalation_level >= ${BOARD_LEVEL} OR group_id IN (SELECT group_id FROM exceptions
          WHERE team = ${team} AND state = 'open' AND escalation_level >= ${BOARD_LEVEL}
            AND group_id IS NOT NULL))
        ORDER BY id`,
    ]);
    const row = boards[0];
    if (row === undefined) return undefined;
    const open = listed.map(toException);
    const groupIds = [...new Set(open.flatMap((e) => (e.groupId === undefined ? [] : [e.groupId])))];
    const storms = await db<{ id: number; channel: string; slack_ts: string | null }[]>`
      SELECT id, channel, slack_ts FROM exception_groups WHERE id = ANY(${groupIds}::bigint[])`;
    const messages = new Map<number, StormMessage>(
      storms.map((g) => [g.id, { channel: g.channel, ...(g.slack_ts !== null && { slackTs: g.slack_ts }) }]),
    );
    const board = { team, channel: row.channel, ...(row.slack_ts !== null && { slackTs: row.slack_ts }) };
    return buildBoard(board, open, messages);
  }
}

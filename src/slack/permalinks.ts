import type { WebClient } from '@slack/web-api';
import type { BoardLine, EscalationBoard } from '../domain/escalation-board.js';
import { BOARD_LINES_SHOWN } from './blocks/escalation-board.js';

/** Enough for every board's lines many times over; past it, the oldest links are asked again. */
const KEPT = 2000;

/**
 * Links to messages, asked of Slack (chat.getPermalink) once per message and kept: a board is
 * redrawn often, and its lines' messages do not move.
 */
export class Permalinks {
  private readonly known = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  async of(channel: string, ts: string): Promise<string | undefined> {
    const key = `${channel}/${ts}`;
    const known = this.known.get(key);
    if (known !== undefined) return known;
    const reply = await this.client.chat.getPermalink({ channel, message_ts: ts });
    if (reply.permalink === undefined) return undefined;
    if (this.known.size >= KEPT) this.known.delete(this.known.keys().next().value ?? '');
    this.known.set(key, reply.permalink);
    return reply.permalink;
  }

  /**
   * The links a board's shown lines need. One that cannot be had now leaves its line naming the
   * channel instead: the board is not held back for a link.
   */
  async forBoard(board: EscalationBoard): Promise<(line: BoardLine) => string | undefined> {
    const links = new Map<BoardLine, string>();
    for (const line of board.lines.slice(0, BOARD_LINES_SHOWN)) {
      if (line.slackTs === undefined) continue;
      const link = await this.of(line.channel, line.slackTs).catch(() => undefined);
      if (link !== undefined) links.set(line, link);
    }
    return (line) => links.get(line);
  }
}

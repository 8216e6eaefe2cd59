import type { BoardLine, EscalationBoard } from '../../domain/escalation-board.js';
import type { ExceptionKind } from '../../domain/exception.js';
import type { SlackMessage } from './exception-message.js';
import { sections } from './status/pack.js';
import { formatDuration, formatMoney, plain, safe, slackDate } from './text.js';

/**
 * At most this many lines, and this many characters of them, are shown; the rest are counted.
 * Well inside Slack's 50 blocks and 3,000 characters a section, and under the ~13 k characters a
 * message has been refused at.
 */
export const BOARD_LINES_SHOWN = 25;
const BOARD_CHARS = 8000;

const KIND_WORD: Record<ExceptionKind, string> = {
  failed: 'Failed',
  stalled: 'Stalled',
  backlog: 'Backlog',
  silent_source: 'Source went silent',
  rate: 'Failing too often',
};

/**
 * A team's living message in the escalation channel: what waits unacknowledged past the limit,
 * oldest first, each with a link to its message, and the money at risk in it (each cart once).
 * When nothing is left it says so. `permalinkOf` gives what is known of each line's message.
 */
export function renderEscalationBoard(
  board: EscalationBoard,
  options: { now: number; permalinkOf: (line: BoardLine) => string | undefined },
): SlackMessage {
  const team = `${board.team} team`;
  const updated = `Updated ${slackDate(options.now)}`;
  if (board.lines.length === 0) {
    return {
      text: safe(`${team}: all caught up`, 300),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: plain(`✅ All caught up: ${team}`, 150) } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `Nothing of the ${safe(team, 100)} waits unacknowledged past the limit.`,
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: updated }] },
      ],
    };
  }
  const risk = board.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ');
  const waiting = `${board.exceptions} unacknowledged past the limit`;
  const { shown, more } = firstThatFit(board.lines.map((line) => lineText(line, options)));
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: plain(`⏰ Waiting too long: ${team}`, 150) } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*${waiting}*${risk ? ` · *${risk}* at risk` : ''}` },
    },
    ...sections(shown).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } })),
  ];
  if (more > 0) blocks.push(context(`_…and ${more} more_ (newer; each is in its channel)`));
  blocks.push(context(`Oldest first · each leaves when acknowledged, resolved or handed on · ${updated}`));
  return { text: safe(`${team}: ${waiting}${risk ? `, ${risk} at risk` : ''}`, 300), blocks };
}

/** The first lines that fit; how many did not. */
function firstThatFit(lines: string[]): { shown: string[]; more: number } {
  const shown: string[] = [];
  let chars = 0;
  for (const line of lines) {
    if (shown.length === BOARD_LINES_SHOWN || chars + line.length > BOARD_CHARS) break;
    shown.push(line);
    chars += line.length + 1;
  }
  return { shown, more: lines.length - shown.length };
}

/** "Failed payment.authorize card_declined · cart `c1` · USD 12.00 · raised 35 minutes ago", linked. */
function lineText(
  line: BoardLine,
  options: { now: number; permalinkOf: (line: BoardLine) => string | undefined },
) {
  const step = `${line.stage}.${line.step}${line.errorCode ? ` ${line.errorCode}` : ''}`;
  const what = safe(
    line.storm
      ? `Storm: ${line.carts} carts ${line.kind === 'stalled' ? 'stalled at' : 'failing'} ${step}`
      : `${KIND_WORD[line.kind]} ${step}`,
    200,
  );
  const permalink = options.permalinkOf(line);
  const link = permalink ? `<${permalink}|${what}>` : `${what} in <#${line.channel}>`;
  const cart = line.cartId === undefined ? '' : ` · cart \`${safe(line.cartId, 80)}\``;
  const value = line.value.map((m) => formatMoney(m.value, m.currency)).join(' + ');
  const seconds = Math.floor(line.since / 1000);
  // Relative, and kept current by Slack; the fallback is as of this drawing.
  const ago = `<!date^${seconds}^{ago}|${formatDuration(options.now - line.since)} ago>`;
  return `• ${link}${cart}${value ? ` · ${value}` : ''} · raised ${ago}`;
}

function context(text: string): Record<string, unknown> {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

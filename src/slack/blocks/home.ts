import type { ExceptionRecord } from '../../domain/exception.js';
import type { ExceptionOverview } from '../../store/status-types.js';
import { renderMine } from './status/mine.js';
import { formatMoney, safe } from './text.js';

/** The App Home tab: what is yours, then how your teams stand. At most 100 blocks, as Slack allows. */
export function renderHome(options: {
  assigned: readonly ExceptionRecord[];
  overview: ExceptionOverview;
  teams: readonly string[];
}) {
  const mine = renderMine(options.assigned).blocks;
  const rows = options.overview.byTeamAndStage.filter((row) => options.teams.includes(row.team));
  const lines = rows.map((row) => {
    const risk = row.valueAtRisk.map((m) => formatMoney(m.value, m.currency)).join(' + ');
    return `*${safe(row.team, 60)}* · ${row.stage}: ${row.open} open, ${row.acknowledged} acknowledged${risk ? ` · ${risk}` : ''}`;
  });
  return {
    type: 'home' as const,
    blocks: [
      ...mine,
      { type: 'divider' },
      { type: 'header', text: { type: 'plain_text', text: 'Your teams' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: lines.length > 0 ? lines.slice(0, 40).join('\n') : 'No open exceptions. 🎉',
        },
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Type `/cart-status help` anywhere for more.' }],
      },
    ].slice(0, 100),
  };
}

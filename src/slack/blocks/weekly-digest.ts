import { isQuietTrend } from '../../domain/trends.js';
import type { WeeklyDigestFacts } from '../../domain/weekly.js';
import type { SlackMessage } from './exception-message.js';
import { plain, safe } from './text.js';
import { count, periodWords, trendSections } from './trend-lines.js';

/** "*Suppressed:* 212 customer-caused · *Silenced:* 7 'WMS upgrade' (maintenance)". */
function noiseLine(facts: WeeklyDigestFacts): string {
  const suppressed =
    facts.suppressed.map((s) => `${count(s.count)} ${safe(s.reason, 80)}`).join(', ') || 'none';
  const silenced =
    facts.silenced
      .map((s) => `${count(s.count)} '${safe(s.reason, 80)}'${s.maintenance ? ' (maintenance)' : ''}`)
      .join(', ') || 'none';
  return `*Suppressed:* ${suppressed} · *Silenced:* ${silenced}`;
}

/** The weekly digest for one team: this week against last, per stage and step; a quiet week is one line. */
export function renderWeeklyDigest(facts: WeeklyDigestFacts): SlackMessage {
  const title = `Cartwatch weekly · ${plain(facts.team, 60)} · ${facts.week}`;
  if (isQuietTrend(facts)) {
    const text = `${safe(title, 200)}: a quiet week. Nothing attempted, nothing raised (${periodWords(facts)}).`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const worse = facts.steps.filter((s) => s.trend === 'worse').length;
  const improving = facts.steps.filter((s) => s.trend === 'improving').length;
  return {
    text: `${safe(title, 200)}: ${worse} steps worse, ${improving} improving, ${count(facts.exceptions.opened.now)} exceptions`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      ...trendSections(facts),
      { type: 'section', text: { type: 'mrkdwn', text: noiseLine(facts) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${periodWords(facts)}. Failure rate: failed of succeeded + failed; a trend is a change of a fifth or more that the numbers make clear. Days from left to right, \`·\` without attempts. \`/cart-status trends --days 28\` for more.`,
          },
        ],
      },
    ],
  };
}

/** The weekly digest as plain text, for `cartwatch digest --weekly --dry-run`. */
export function weeklyDigestAsText(facts: WeeklyDigestFacts): string {
  const texts = renderWeeklyDigest(facts).blocks.flatMap((block) => {
    const b = block as { text?: { text?: string }; elements?: { text?: string }[] };
    return [b.text?.text, ...(b.elements ?? []).map((e) => e.text)].filter(
      (t): t is string => t !== undefined,
    );
  });
  return `${texts
    .join('\n')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/[*_]/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')}\n`;
}
